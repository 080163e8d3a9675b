/// JSON text written by hand, for files whose bytes must be deterministic
/// (safetensors headers, metrics.jsonl lines).
enum JSONText {
  /// `text` as a JSON string literal: quotes, backslashes and control characters
  /// escaped (`\n`, `\r`, `\t`, else `\u00XX`), everything else as UTF-8.
  static func string(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
