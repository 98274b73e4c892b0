import { describeConformance } from '../kit/conformance.js';
import * as client from './client.js';
import youth from './index.js';

describeConformance(youth, { client });
