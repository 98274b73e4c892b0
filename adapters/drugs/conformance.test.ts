import { describeConformance } from '../kit/conformance.js';
import * as client from './client.js';
import drugs from './index.js';

describeConformance(drugs, { client });
