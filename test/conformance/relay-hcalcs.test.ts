import { describeRelay } from './relay-rig.js';

describeRelay('HCALCS');
