{{- define "drydock.fullname" -}}{{ .Release.Name }}-drydock{{- end -}}
{{- define "drydock.databaseUrl" -}}
{{- if .Values.postgresql.enabled -}}
postgresql://drydock:{{ .Values.postgresql.password }}@{{ include "drydock.fullname" . }}-postgresql:5432/drydock
{{- else -}}
{{ required "externalDatabaseUrl is required when postgresql.enabled is false" .Values.externalDatabaseUrl }}
{{- end -}}
{{- end -}}
