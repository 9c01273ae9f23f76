// SPDX-License-Identifier: Apache-2.0
#include "image/jpeg_base.h"

#include <csetjmp>
#include <cstdio>
#include <string>

#include <jpeglib.h>

#include "core/error.h"
#include "image/orientation.h"
#include "image/resample.h"

namespace fasttune::image {

namespace {

// libjpeg reports errors by calling error_exit, which must not return: it jumps back to the
// setjmp in Header(), Start() or Pixels(). Those functions hold only trivially destructible locals,
// so the jump skips no destructor; everything owning memory lives in their callers.
struct ErrorJump {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};

void JumpOnError(j_common_ptr cinfo) { std::longjmp(reinterpret_cast<ErrorJump*>(cinfo->err)->jump, 1); }

// Warnings (level -1) mean corrupt data; they fail the decode as errors do.
void JumpOnWarning(j_common_ptr cinfo, int level) {
  if (level < 0) JumpOnError(cinfo);
}

struct Decompressor {
  jpeg_decompress_struct cinfo{};
  ErrorJump error{};
  Decompressor() {
    cinfo.err = jpeg_std_error(&error.mgr);
    error.mgr.error_exit = JumpOnError;
    error.mgr.emit_message = JumpOnWarning;
    jpeg_create_decompress(&cinfo);
  }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;
};

bool Header(Decompressor& d, const std::vector<uint8_t>& file) {
  if (setjmp(d.error.jump)) return false;
  jpeg_mem_src(&d.cinfo, file.data(), static_cast<unsigned long>(file.size()));
  jpeg_save_markers(&d.cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&d.cinfo, TRUE);
  return true;
}

bool Start(Decompressor& d, int denominator) {
  if (setjmp(d.error.jump)) return false;
  // RGBX: the resampler reads whole 32-bit pixels; the colour bytes are those of JCS_RGB.
  d.cinfo.out_color_space = JCS_EXT_RGBX;
  d.cinfo.scale_num = 1;
  d.cinfo.scale_denom = static_cast<unsigned int>(denominator);
  jpeg_start_decompress(&d.cinfo);
  return d.cinfo.output_components == 4;
}

bool Pixels(Decompressor& d, RgbImage& out) {
  if (setjmp(d.error.jump)) return false;
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    JSAMPROW row = out.row(static_cast<int>(d.cinfo.output_scanline));
    jpeg_read_scanlines(&d.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&d.cinfo);
  return true;
}

int Orientation(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1) {
      const int o = ExifOrientation(m->data, m->data_length);
      if (o != 1) return o;
    }
  }
  return 1;
}

}  // namespace

bool LooksLikeJpeg(const uint8_t* bytes, size_t size) {
  return size >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff;
}

std::optional<RgbImage> DecodeJpegBase(const std::vector<uint8_t>& file, const std::optional<BaseSpec>& spec,
                                       int64_t max_pixels) {
  if (!LooksLikeJpeg(file.data(), file.size())) return std::nullopt;
  Decompressor d;
  if (!Header(d, file)) return std::nullopt;
  const J_COLOR_SPACE space = d.cinfo.jpeg_color_space;
  if (space != JCS_GRAYSCALE && space != JCS_YCbCr && space != JCS_RGB) return std::nullopt;
  const int64_t pixels = static_cast<int64_t>(d.cinfo.image_width) * d.cinfo.image_height;
  if (pixels == 0 || pixels > max_pixels) return std::nullopt;

  const int orientation = Orientation(d.cinfo);
  const int w = static_cast<int>(d.cinfo.image_width), h = static_cast<int>(d.cinfo.image_height);
  const Size upright = SwapsAxes(orientation) ? Size{h, w} : Size{w, h};
  if (spec) {
    // An extreme aspect ratio (65,000 × 1) would make a base of billions of pixels for a
    // cropping transform: refuse it before allocating, as maxPixels refuses large files.
    const Size base = BaseSize(upright, *spec);
    if (static_cast<int64_t>(base.width) * base.height > max_pixels) {
      throw CodedError(
          kIo, "its " + std::to_string(upright.width) + " × " + std::to_string(upright.height) +
                   " pixels would make a " + std::to_string(base.width) + " × " + std::to_string(base.height) +
                   " image for this transform, more than the maxPixels limit (" + std::to_string(max_pixels) + ")");
    }
  }
  if (!Start(d, spec ? JpegShrinkOnLoad(upright, *spec) : 1)) return std::nullopt;
  RgbImage decoded(static_cast<int>(d.cinfo.output_width), static_cast<int>(d.cinfo.output_height), 4);
  if (!Pixels(d, decoded)) return std::nullopt;

  RgbImage oriented = Orient(std::move(decoded), orientation);
  if (!spec) return PackRgb(std::move(oriented));
  // Sized from the file's own dimensions, so shrink-on-load changes the pixels, never the size.
  const Size size = BaseSize(upright, *spec);
  if (size.width == oriented.width && size.height == oriented.height) return PackRgb(std::move(oriented));
  return ResampleBilinear(std::move(oriented), size.width, size.height);
}

}  // namespace fasttune::image
