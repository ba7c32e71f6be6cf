/** The HAN simulator: a simulated EmberZNet NCP and devices behind ASH + EZSP (see README.md). */
export { Simulator, SimulatorError, type SimulatorEvents, type SimulatorOptions, type SimulatorStatus, type DeviceStatus, type RuntimeFaults } from './simulator.js';
export { runSimulator, type RunOptions, type RunningSimulator } from './run.js';
export { ControlServer } from './control.js';
export { ControlError, parseControlRequest, CONTROL_OPS, type ControlRequest, type ControlOp } from './control-protocol.js';
export { loadScenario, parseScenario, ScenarioError, DEFAULT_SCENARIO_PATH, DEVICE_TYPES, type Scenario, type DeviceSpec, type DeviceType, type FaultSettings } from './scenario.js';
export { FaultyTransport, type LineFaults, type LineCounts } from './faulty-transport.js';
export type { ReceivedMessage, SendOutcome } from './device.js';
export type { JoinRefusal } from './ncp-context.js';
export type { JoinOutcome } from './trust-centre.js';
export { ANSWERED_COMMANDS } from './ncp-commands.js';
export { SimTunnelEnd, TUNNEL_DEVICE_TYPES, type TunnelEndSettings, type TunnelledMessage } from './tunnel-end.js';
