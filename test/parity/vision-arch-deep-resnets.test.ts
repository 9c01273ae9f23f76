// ResNet-101 and ResNet-152 against torchvision 0.14 + fastai's head: the Bottleneck code ResNet-50's
// suite covers in every layout, here at depth (test/reference/vision_archs.py).
import { archSuite } from '../helpers/arch-suite.js';

archSuite('resnet101');
archSuite('resnet152');
