export { TransportError, type Transport, type TransportErrorCode, type TransportEvents } from './transport.js';
export { MemoryTransport, memoryTransportPair } from './memory.js';
export { ASH_FLAG, FLOW_CONTROLS, SerialTransport, type FlowControl, type SerialTransportOptions } from './serial.js';
export { serialError } from './serial-errors.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, TcpTransport, tcpUrl, type TcpTransportOptions } from './tcp.js';
export { TcpTransportServer, type BoundAddress, type TcpServerEvents, type TcpServerOptions } from './tcp-server.js';
export {
  DEFAULT_BAUD_RATE,
  createTransport,
  openTransport,
  parseTransportSpec,
  resolveBoardPort,
  type TransportOptions,
  type TransportSpec,
} from './open.js';
export { ReconnectingTransport, backoffDelay, type BackoffOptions, type ReconnectOptions, type ReconnectState } from './reconnect.js';
export { GpioError, GpiodCliDriver, describeLine, resetRadio, type GpioDriver, type GpioErrorCode } from './gpio.js';
