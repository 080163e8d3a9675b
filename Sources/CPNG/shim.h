// libpng's simplified API (png_image_*), used by ImageIO.
#include <png.h>
