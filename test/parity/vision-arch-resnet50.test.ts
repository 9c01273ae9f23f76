// resnet50 against torchvision 0.14 + fastai's head (test/reference/vision_archs.py).
import { archSuite } from '../helpers/arch-suite.js';

archSuite('resnet50', { layouts: true });
