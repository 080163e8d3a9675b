import Core

/// Where the cells of an image grid go: `rows` × `columns` cells of
/// `cellWidth` × `cellHeight` pixels, filled row by row, with `padding` pixels of
/// background between cells and around the edge.
///
///     width  = columns · cellWidth  + (columns + 1) · padding
///     height = rows    · cellHeight + (rows + 1)    · padding,   rows = ⌈count / columns⌉
///
/// Cell n sits in grid row ⌊n / columns⌋, grid column n mod columns; its top-left
/// pixel is at (padding + row · (cellHeight + padding), padding + column · (cellWidth + padding)).
public struct GridLayout: Equatable, Sendable {
  /// Number of images placed.
  public var count: Int
  public var columns: Int
  /// ⌈count / columns⌉; the last row has blank cells when count is not a multiple of columns.
  public var rows: Int
  /// Size of one cell in pixels (image width and height times the upscaling factor).
  public var cellWidth: Int
  public var cellHeight: Int
  /// Background pixels between neighbouring cells and around the edge.
  public var padding: Int

  public init(count: Int, columns: Int, cellWidth: Int, cellHeight: Int, padding: Int) {
    precondition(count >= 1, "GridLayout: needs at least one image, got \(count)")
    precondition(columns >= 1, "GridLayout: columns \(columns) must be at least 1")
    precondition(cellWidth >= 1 && cellHeight >= 1, "GridLayout: cell \(cellWidth)×\(cellHeight) is empty")
    precondition(padding >= 0, "GridLayout: padding \(padding) must not be negative")
    self.count = count
    self.columns = columns
    self.rows = (count + columns - 1) / columns
    self.cellWidth = cellWidth
    self.cellHeight = cellHeight
    self.padding = padding
  }

  /// Width of the whole grid in pixels.
  public var width: Int { columns * cellWidth + (columns + 1) * padding }
  /// Height of the whole grid in pixels.
  public var height: Int { rows * cellHeight + (rows + 1) * padding }

  /// The top-left pixel (row, column) of cell `index` (0-based, row by row).
  public func origin(of index: Int) -> (row: Int, column: Int) {
    precondition(index >= 0 && index < rows * columns, "GridLayout: cell \(index) outside \(rows)×\(columns)")
    return (padding + (index / columns) * (cellHeight + padding),
            padding + (index % columns) * (cellWidth + padding))
  }
}

extension Image {
  /// The images of a batch N×C×H×W (C = 1, 3 or 4) side by side in a grid, so a batch
  /// of 28×28 samples can be seen at a glance. See `GridLayout` for the geometry.
  ///
  /// - Parameters:
  ///   - images: N×C×H×W; image n fills cell n, row by row.
  ///   - columns: cells per row; rows = ⌈N / columns⌉, left-over cells stay `background`.
  ///   - range: how values map to bytes; `.normalize` uses the min and max of the whole batch.
  ///   - padding: background pixels between cells and around the edge.
  ///   - scale: nearest-neighbour upscaling of each image (each pixel becomes scale×scale).
  ///   - background: the byte of the padding and blank cells (every channel; alpha stays 255).
  ///     The default, mid-gray, stands out against both black and white images.
  public init(grid images: Tensor, columns: Int, range: ValueRange = .zeroToOne,
              padding: Int = 2, scale: Int = 1, background: UInt8 = 128) {
    precondition(images.rank == 4, "Image(grid:): needs N×C×H×W, got shape \(images.shape)"
      + (images.rank == 3 ? " (for one C×H×W image use Image(tensor:))" : ""))
    let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    guard let format = PixelFormat(channels: channels) else {
      preconditionFailure("Image(grid:): C must be 1, 3 or 4, got shape \(images.shape)")
    }
    precondition(scale >= 1, "Image(grid:): scale \(scale) must be at least 1")
    let layout = GridLayout(count: count, columns: columns, cellWidth: width * scale,
                            cellHeight: height * scale, padding: padding)
    self.init(width: layout.width, height: layout.height, format: format, repeating: background)
    if format == .rgba {
      for pixel in 0..<(layout.width * layout.height) { pixels[pixel * 4 + 3] = 255 }
    }

    let mapping = ByteMapping(range, values: images.data)
    let gridWidth = layout.width
    images.withUnsafeBufferPointer { values in
      for n in 0..<count {
        let (top, left) = layout.origin(of: n)
        for y in 0..<layout.cellHeight {
          for x in 0..<layout.cellWidth {
            let target = ((top + y) * gridWidth + left + x) * channels
            for c in 0..<channels {
              let source = ((n * channels + c) * height + y / scale) * width + x / scale
              pixels[target + c] = mapping.byte(values[source])
            }
          }
        }
      }
    }
  }
}

extension PNG {
  /// Writes the batch `images` (N×C×H×W) as one grid picture to `path`;
  /// see `Image(grid:columns:range:padding:scale:background:)` for the layout.
  public static func writeGrid(_ images: Tensor, columns: Int, range: ValueRange = .zeroToOne,
                               padding: Int = 2, scale: Int = 1, background: UInt8 = 128,
                               to path: String) throws {
    let grid = Image(grid: images, columns: columns, range: range, padding: padding,
                     scale: scale, background: background)
    try write(grid, to: path)
  }

  /// Writes one image tensor, C×H×W (C = 1, 3 or 4) or H×W, to `path`, upscaled
  /// `scale` times (nearest neighbour). With `range: .normalize` any tensor — a mean
  /// image, a weight matrix, an error map — becomes a grayscale heat map.
  public static func write(tensor: Tensor, range: ValueRange = .zeroToOne, scale: Int = 1,
                           to path: String) throws {
    try write(Image(tensor: tensor, range: range).upscaled(by: scale), to: path)
  }
}
