// libpng's simplified API (png_image_*), used by ImageIO.
#include <png.h>

// Swift imports a macro only if it is a plain literal (or an alias of one):
// PNG_FORMAT_RGBA is `(PNG_FORMAT_RGB|PNG_FORMAT_FLAG_ALPHA)` and is not imported.
// These constants carry libpng's values for the four 8-bit layouts ImageIO uses.
static const png_uint_32 genlab_png_format_gray = PNG_FORMAT_GRAY;  // G
static const png_uint_32 genlab_png_format_ga = PNG_FORMAT_GA;      // G, A
static const png_uint_32 genlab_png_format_rgb = PNG_FORMAT_RGB;    // R, G, B
static const png_uint_32 genlab_png_format_rgba = PNG_FORMAT_RGBA;  // R, G, B, A
