/** Container networking: namespaces, CNI plugin chains, the default bridge, `-p` and /etc files. */
export { ContainerNetworks, type AttachOptions, type NetworkAttachment, type NetworkConfig, type NetworkMode } from './bridge-network.js';
export { CniRunner, type CniConfList, type CniOptions, type CniPluginConf, type CniResult, type CniRuntime, type CniVersionInfo } from './cni.js';
export { DEFAULT_HOST_ETC, DEFAULT_NAMESERVERS, buildHosts, buildResolvConf, parseExtraHost, writeEtcFiles, type EtcFiles, type EtcFilesOptions, type ExtraHost, type HostEtcPaths } from './etc-files.js';
export { NETNS_RUN_DIR, NetnsManager, type NetnsOptions } from './netns.js';
export { formatPublishedPort, parsePortSpec, parsePortSpecs, type PortProto, type PortSpec, type PublishedPort } from './port-spec.js';
export { PortAllocator, hostPortFree, type PortReservation } from './ports.js';
