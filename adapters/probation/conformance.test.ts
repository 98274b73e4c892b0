import { describeConformance } from '../kit/conformance.js';
import * as client from './client.js';
import probation from './index.js';

describeConformance(probation, { client });
