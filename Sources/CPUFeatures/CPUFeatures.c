// Everything lives in include/CPUFeatures.h; a C target needs one source file.
#include "CPUFeatures.h"
