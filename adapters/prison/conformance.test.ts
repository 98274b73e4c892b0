import { describeConformance } from '../kit/conformance.js';
import * as client from './client.js';
import prison from './index.js';

describeConformance(prison, { client });
