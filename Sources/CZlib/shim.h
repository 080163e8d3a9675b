// zlib's gz* file API, used by Datasets to read .gz IDX files.
#include <zlib.h>
