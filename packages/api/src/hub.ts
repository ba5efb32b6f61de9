import { EventEmitter } from 'node:events';
import type { Database, Prisma } from '@drydock/db';
import type { ExecInput, ExecResize, ImageQuery, ImageQueryAnswer, JobEvent, JobStart } from '@drydock/protocol';
import type { HostAgentConfig, HostStepEvent } from './services/host-ssh.js';

/** Live events for browsers (the /ui namespace forwards each one). */
export interface UiEvents {
  /** A job's numbered event, as stored. */
  job: [{ jobId: string; hostId: string; buildId: string | null; kind: string; seq: number; timeMs: number; event: JobEvent }];
  /** Something in a list changed: the page refetches that list. */
  changed: [{ topic: 'hosts' | 'inventory' | 'jobs' | 'builds' | 'audit'; hostId?: string }];
  /** A step of an SSH operation on a host (enroll, upgrade, restart, remove). */
  hostStep: [HostStepEvent];
  /** Terminal output of an exec job (live only: sent to the browser that opened it). */
  execOutput: [{ jobId: string; data: Uint8Array }];
}

export class HubBus extends EventEmitter<UiEvents> {}

/** How the hub reaches agents: by room, so it works across hub processes (socket.io adapter). */
export interface AgentDispatch {
  sendJob(hostId: string, job: JobStart): void;
  /** Drops a host's agent connections (a removed host); its token is already gone, so it cannot return. */
  disconnect?(hostId: string): void;
  /** Asks a host's agent to stop a running job (`job:cancel`): builds, pulls, pushes, loads, imports, exec sessions, followed logs. */
  cancelJob?(hostId: string, jobId: string): void;
  /** Keystrokes for an exec job's terminal. */
  execInput?(hostId: string, msg: ExecInput): void;
  /** An exec job's terminal size. */
  execResize?(hostId: string, msg: ExecResize): void;
  /** Asks a host's agent about one image (history, inspect); null when no agent answered in time. */
  queryImage?(hostId: string, query: ImageQuery): Promise<ImageQueryAnswer | null>;
}

/** Everything a request or socket handler needs: built once by the server. */
export interface Hub {
  db: Database;
  prisma: Prisma;
  /** 32 bytes sealing registry passwords (AES-256-GCM). */
  secretKey: Buffer;
  /** Where uploaded build contexts wait for their agent. */
  uploadsDir: string;
  /** Where audit retention writes archive files. */
  archiveDir: string;
  /** The URL agents use to reach this hub (upload downloads). */
  agentUrl: () => string;
  bus: HubBus;
  agents: AgentDispatch;
  /** How hosts enrolled over SSH get their agent (services/host-ssh.ts); defaults when absent. */
  hostAgents?: HostAgentConfig;
}
