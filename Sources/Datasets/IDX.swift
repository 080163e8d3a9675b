import Core

/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.), plain or gzip-compressed.
///
///     offset  type              value
///     0       UInt32 big-endian magic: 0x00000803 images (UInt8, 3 dims) · 0x00000801 labels (UInt8, 1 dim)
///     4       UInt32 big-endian count
///     8       UInt32 big-endian rows        (images only)
///     12      UInt32 big-endian columns     (images only)
///     16 / 8  UInt8 × count·rows·cols       pixels row-major, 0 = background, 255 = ink
///                                           (labels: UInt8 × count)
///
/// The readers check everything before they trust it: the magic number, that the
/// header is complete, that the sizes are plausible (at most `byteLimit` bytes, so a
/// damaged header cannot make them allocate gigabytes), that the file holds all the
/// data and nothing after it, and (for gzip) the stream's checksum. Any problem is a
/// `DatasetError` naming the file.
public enum IDX {
  /// Magic number of an image file: element type 0x08 (unsigned byte), 3 dimensions.
  public static let imageMagic: UInt32 = 0x0000_0803
  /// Magic number of a label file: element type 0x08 (unsigned byte), 1 dimension.
  public static let labelMagic: UInt32 = 0x0000_0801
  /// The largest payload a reader accepts: 2³¹ bytes (2 GiB).
  public static let byteLimit = 1 << 31

  /// The images of an IDX file as stored: `count` images of `rows × cols` bytes,
  /// row-major, image after image.
  public struct Images: Sendable, Equatable {
    public var count: Int
    public var rows: Int
    public var cols: Int
    /// `count · rows · cols` bytes; pixel (n, i, j) is `pixels[(n·rows + i)·cols + j]`.
    public var pixels: [UInt8]

    public init(count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
      precondition(count >= 0 && rows >= 0 && cols >= 0 && pixels.count == count * rows * cols,
                   "IDX.Images: \(pixels.count) pixels do not make \(count) images of \(rows)×\(cols)")
      self.count = count
      self.rows = rows
      self.cols = cols
      self.pixels = pixels
    }

    /// The first `limit` images (all if nil) as a tensor N×1×rows×cols with
    /// x[n, 0, i, j] = pixel(n, i, j) / 255 ∈ [0, 1].
    public func tensor(limit: Int? = nil) -> Tensor {
      let n = Swift.min(count, Swift.max(0, limit ?? count))
      let size = n * rows * cols
      // One tight loop over raw pointers through a 256-entry table of p/255: fast even
      // in debug builds (10× the plain `Float(p) / 255` loop there; same values).
      let values = [Float](unsafeUninitializedCapacity: size) { out, initialized in
        pixels.withUnsafeBufferPointer { source in
          IDX.unitScale.withUnsafeBufferPointer { table in
            guard size > 0, let scale = table.baseAddress,
                  var from = source.baseAddress, var to = out.baseAddress else { return }
            let end = from + size
            while from < end {
              to.pointee = scale[Int(from.pointee)]
              from += 1
              to += 1
            }
          }
        }
        initialized = size
      }
      return Tensor(shape: [n, 1, rows, cols], data: values)
    }
  }

  /// p / 255 for every byte value p (exactly the quotient, rounded once).
  static let unitScale: [Float] = (0..<256).map { Float($0) / 255 }

  /// Reads an image file (`…-images-idx3-ubyte`, optionally `.gz`).
  public static func readImages(path: String) throws -> Images {
    let (dimensions, payload) = try read(path: path, magic: imageMagic)
    return Images(count: dimensions[0], rows: dimensions[1], cols: dimensions[2], pixels: payload)
  }

  /// Reads a label file (`…-labels-idx1-ubyte`, optionally `.gz`): one byte per item.
  public static func readLabels(path: String) throws -> [UInt8] {
    try read(path: path, magic: labelMagic).payload
  }

  /// Reads an image file and its label file, checks they hold the same number of
  /// items and (if `classes` is given) that every label is in 0..<classes.
  public static func readLabeledImages(imagesPath: String, labelsPath: String,
                                       classes: Int? = nil) throws -> (images: Images, labels: [UInt8]) {
    let images = try readImages(path: imagesPath)
    let labels = try readLabels(path: labelsPath)
    guard images.count == labels.count else {
      throw DatasetError.countMismatch(imagesPath: imagesPath, images: images.count,
                                       labelsPath: labelsPath, labels: labels.count)
    }
    if let classes, let bad = labels.firstIndex(where: { Int($0) >= classes }) {
      throw DatasetError.labelOutOfRange(path: labelsPath, index: bad, label: Int(labels[bad]), classes: classes)
    }
    return (images, labels)
  }

  /// Reads a whole IDX file of unsigned bytes with the given magic: its dimensions
  /// (from the header) and its payload.
  static func read(path: String, magic: UInt32) throws -> (dimensions: [Int], payload: [UInt8]) {
    let source = try ByteSource(path: path)
    let rank = Int(magic & 0xff)
    let headerSize = 4 + 4 * rank

    var header = [UInt8](repeating: 0, count: headerSize)
    let headerBytes = try header.withUnsafeMutableBytes { try source.read(into: $0) }
    let expectedMagic = [UInt8(magic >> 24), UInt8((magic >> 16) & 0xff), UInt8((magic >> 8) & 0xff), UInt8(magic & 0xff)]
    let magicBytes = Array(header[0..<min(4, headerBytes)])
    if magicBytes != Array(expectedMagic[0..<magicBytes.count]) {
      throw DatasetError.badMagic(path: path, found: magicBytes, expected: magic)
    }
    if headerBytes < headerSize {
      throw DatasetError.truncatedHeader(path: path, bytes: headerBytes, expected: headerSize)
    }

    var dimensions = [Int]()
    for axis in 0..<rank {
      let at = 4 + 4 * axis
      dimensions.append(Int(header[at]) << 24 | Int(header[at + 1]) << 16 | Int(header[at + 2]) << 8 | Int(header[at + 3]))
    }
    // Each dimension is < 2³², so the product is checked step by step against the limit.
    var expected = 1
    for size in dimensions {
      let (product, overflow) = expected.multipliedReportingOverflow(by: size)
      expected = overflow ? Int.max : product
    }
    let emptyImage = rank == 3 && (dimensions[1] == 0 || dimensions[2] == 0)
    if expected > byteLimit || emptyImage {
      throw DatasetError.absurdDimensions(path: path, dimensions: dimensions, limit: byteLimit)
    }

    // Read in chunks, so a header that lies costs no more memory than the file holds.
    var payload = [UInt8]()
    payload.reserveCapacity(min(expected, 1 << 26))
    var chunk = [UInt8](repeating: 0, count: min(expected, 1 << 20))
    while payload.count < expected {
      let want = min(chunk.count, expected - payload.count)
      let got = try chunk.withUnsafeMutableBytes {
        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]))
      }
      payload.append(contentsOf: chunk[0..<got])
      if got < want { break }
    }
    if payload.count < expected {
      throw DatasetError.truncatedData(path: path, dimensions: dimensions, bytes: payload.count, expected: expected)
    }
    let extra = try source.drainToEnd()
    if extra > 0 {
      throw DatasetError.trailingBytes(path: path, dimensions: dimensions, extra: extra)
    }
    return (dimensions, payload)
  }
}
