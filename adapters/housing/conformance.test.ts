import { describeConformance } from '../kit/conformance.js';
import * as client from './client.js';
import housing from './index.js';

describeConformance(housing, { client });
