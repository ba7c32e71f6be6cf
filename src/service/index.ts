export { feedWatchdog, serviceNotifier, type Health, type ServiceNotifier, type ServiceState } from './systemd-notify.js';
