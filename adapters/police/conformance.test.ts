import { describeConformance } from '../kit/conformance.js';
import * as client from './client.js';
import police from './index.js';

describeConformance(police, { client });
