import { describeRelay } from './relay-rig.js';

describeRelay('PPMID');
