import Core
import Foundation

/// A run's report: `<run>/index.html`, one page that says what was run (command line,
/// seed, settings, data), how long it took, the final numbers, and shows the figures.
/// Then `<root>/index.html`, the list of every run of every lesson, newest first.
///
/// The pages are self-contained: inline CSS, no JavaScript, nothing fetched from the
/// network, only relative links, so a run folder can be zipped, copied or opened from
/// disk. Every text is HTML-escaped. Before writing, each figure and link is checked:
/// a file that does not exist in the run folder throws `RunReportError.missingFile`
/// naming it, so a page never shows a broken image.
///
///     var report = RunReport(run: run, title: "Images", seed: options.seed, started: start)
///     report.settings = [("threads", "2")]
///     report.metrics = [("test NLL", "1234.5 nats/image")]
///     report.addFigure("samples.png", caption: "100 samples")
///     try report.write()          // runs/lesson01-images/<stamp>/index.html and runs/index.html
public struct RunReport: Sendable {
  /// A picture in the run folder (PNG, GIF or SVG) and what it shows.
  public struct Figure: Sendable, Equatable {
    public var file: String
    public var caption: String
  }

  /// A file in the run folder worth a link, e.g. a checkpoint.
  public struct Link: Sendable, Equatable {
    public var file: String
    public var text: String
  }

  /// A table with a title, column headers and rows of cells (plain text, escaped).
  public struct Table: Sendable, Equatable {
    public var title: String
    public var header: [String]
    public var rows: [[String]]
    /// A sentence under the table: what the numbers mean.
    public var note: String?
  }

  /// The extensions a figure may have; all are shown with `<img>`.
  public static let figureExtensions: Set<String> = ["png", "gif", "svg"]

  public var run: RunFolder
  public var title: String
  /// The command line, each argument shell-quoted where needed.
  public var commandLine: String
  public var seed: UInt64?
  /// Settings in the order shown, e.g. `("threads", "2")`.
  public var settings: [(key: String, value: String)] = []
  /// One line about the data, e.g. "Fashion-MNIST from /usr/share/…: 60,000 train, 10,000 test".
  public var dataset: String?
  /// When the run began.
  public var started: Date
  /// Seconds the run took; `nil` means from `started` to when `write` is called.
  public var wallTime: Double?
  /// Final metrics in the order shown, e.g. `("speed-up", "41.2×")`.
  public var metrics: [(key: String, value: String)] = []
  public private(set) var figures: [Figure] = []
  public private(set) var links: [Link] = []
  public private(set) var tables: [Table] = []

  /// A report for `run`; `arguments` default to this process's command line.
  public init(run: RunFolder, title: String, seed: UInt64? = nil, started: Date = Date(),
              arguments: [String] = CommandLine.arguments) {
    self.run = run
    self.title = title
    self.seed = seed
    self.started = started
    self.commandLine = arguments.map(Self.shellQuoted).joined(separator: " ")
  }

  /// The end of every lesson: sets the wall time since `started` (`Timing.now()`),
  /// writes the page and the runs index, and prints where everything is —
  /// `pictures` optionally lists the main files. Returns the page's path.
  @discardableResult
  public mutating func finish(started: Double, pictures: String? = nil) throws -> String {
    let seconds = Timing.now() - started
    wallTime = seconds
    let path = try write()
    Console.section("Done in \(Format.duration(seconds))")
    print("pictures in \(run.path)/" + (pictures.map { ": \($0)" } ?? ""))
    print("open \(path)")
    return path
  }

  /// Adds a figure: `file` relative to the run folder (PNG, GIF or SVG).
  public mutating func addFigure(_ file: String, caption: String) {
    figures.append(Figure(file: file, caption: caption))
  }

  /// Adds a table, shown after the results; every row has one cell per header.
  public mutating func addTable(_ title: String, header: [String], rows: [[String]], note: String? = nil) {
    precondition(rows.allSatisfy { $0.count == header.count },
                 "RunReport.addTable(\(title)): every row needs \(header.count) cells, got \(rows.map(\.count))")
    tables.append(Table(title: title, header: header, rows: rows, note: note))
  }

  /// Adds a link to `file`, relative to the run folder.
  public mutating func addLink(_ file: String, text: String) {
    links.append(Link(file: file, text: text))
  }

  /// The runs root: the folder that holds `<lesson>/<timestamp>/`.
  public var root: String {
    ((run.path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
  }

  /// Checks every figure and link, writes `<run>/index.html`, then rewrites the runs
  /// index `<root>/index.html`. Returns the path of the run's page.
  @discardableResult
  public func write(now: Date = Date()) throws(RunReportError) -> String {
    for figure in figures {
      try check(figure.file)
      let ext = (figure.file as NSString).pathExtension.lowercased()
      guard Self.figureExtensions.contains(ext) else {
        throw .unsupportedFigure(file: figure.file, run: run.path)
      }
    }
    for link in links { try check(link.file) }
    let path = run.file("index.html")
    try Self.writeText(html(now: now), to: path)
    try Self.writeIndex(root: root)
    return path
  }

  /// A file name must be relative, stay inside the run folder and exist.
  func check(_ file: String) throws(RunReportError) {
    let parts = file.split(separator: "/", omittingEmptySubsequences: false)
    if file.isEmpty || file.hasPrefix("/") || parts.contains("..") {
      throw .notInRunFolder(file: file, run: run.path)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: run.file(file), isDirectory: &isDirectory),
          !isDirectory.boolValue else {
      throw .missingFile(file: file, run: run.path)
    }
  }

  // MARK: The run's page

  /// The run's page as HTML.
  func html(now: Date) -> String {
    let seconds = wallTime ?? now.timeIntervalSince(started)
    var facts: [(String, String)] = [
      ("lesson", run.lesson),
      ("run folder", (run.path as NSString).lastPathComponent),
      ("started", Self.utc(started)),
      ("wall time", Format.duration(seconds)),
    ]
    // The seed once: in the facts unless the settings already list it.
    if let seed, !settings.contains(where: { $0.key == "seed" }) { facts.append(("seed", String(seed))) }
    if let dataset { facts.append(("data", dataset)) }

    var body = """
      <p class="nav"><a href="../../index.html">all runs</a></p>
      <h1>\(Self.escape(title))</h1>
      <p class="lesson">\(Self.escape(run.lesson)) · \(Self.escape(Self.utc(started)))</p>
      <h2>Command</h2>
      <pre>\(Self.escape(commandLine))</pre>
      <h2>Run</h2>
      \(Self.table(facts))
      """
    if !settings.isEmpty {
      body += "\n<h2>Settings</h2>\n" + Self.table(settings.map { ($0.key, $0.value) })
    }
    if !metrics.isEmpty {
      body += "\n<h2>Results</h2>\n" + Self.table(metrics.map { ($0.key, $0.value) })
    }
    for table in tables {
      body += "\n<h2>\(Self.escape(table.title))</h2>\n<table class=\"grid\">\n<tr>"
        + table.header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>"
      for row in table.rows {
        body += "\n<tr>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>"
      }
      body += "\n</table>"
      if let note = table.note { body += "\n<p class=\"note\">\(Self.escape(note))</p>" }
    }
    if !figures.isEmpty {
      body += "\n<h2>Figures</h2>"
      for figure in figures {
        let pixelated = (figure.file as NSString).pathExtension.lowercased() == "svg" ? "" : " class=\"pixels\""
        body += """

          <figure><a href="\(Self.href(figure.file))"><img\(pixelated) src="\(Self.href(figure.file))" \
          alt="\(Self.escape(figure.caption))"></a>
          <figcaption><code>\(Self.escape(figure.file))</code> — \(Self.escape(figure.caption))</figcaption></figure>
          """
      }
    }
    if !links.isEmpty {
      body += "\n<h2>Files</h2>\n<ul>"
      for link in links {
        body += "\n<li><a href=\"\(Self.href(link.file))\">\(Self.escape(link.file))</a> — \(Self.escape(link.text))</li>"
      }
      body += "\n</ul>"
    }
    return Self.page(title: "\(title) — \(run.lesson)", body: body)
  }

  // MARK: The runs index

  /// Rewrites `<root>/index.html`: every `<root>/<lesson>/<run>/index.html`, newest run
  /// first (run folders are named by their timestamp), with a link to each.
  @discardableResult
  public static func writeIndex(root: String) throws(RunReportError) -> String {
    let runs = findRuns(root: root)
    var body = "<h1>GenLab runs</h1>\n"
    if runs.isEmpty {
      body += "<p>No reports yet.</p>"
    } else {
      body += "<table class=\"runs\">\n<tr><th>started</th><th>lesson</th><th>title</th></tr>"
      for run in runs {
        let link = href("\(run.lesson)/\(run.name)/index.html")
        body += "\n<tr><td><a href=\"\(link)\">\(escape(run.name))</a></td><td>\(escape(run.lesson))</td>"
          + "<td>\(escape(run.title))</td></tr>"
      }
      body += "\n</table>"
    }
    let path = (root as NSString).appendingPathComponent("index.html")
    try writeText(page(title: "GenLab runs", body: body), to: path)
    return path
  }

  /// The runs under `root` that have a page, newest first (ties: by lesson).
  static func findRuns(root: String) -> [(lesson: String, name: String, title: String)] {
    let manager = FileManager.default
    var runs: [(lesson: String, name: String, title: String)] = []
    for lesson in (try? manager.contentsOfDirectory(atPath: root)) ?? [] {
      let lessonPath = (root as NSString).appendingPathComponent(lesson)
      for name in (try? manager.contentsOfDirectory(atPath: lessonPath)) ?? [] {
        let page = ((lessonPath as NSString).appendingPathComponent(name) as NSString)
          .appendingPathComponent("index.html")
        guard let bytes = try? Files.read(page) else { continue }
        runs.append((lesson, name, pageTitle(String(decoding: bytes, as: UTF8.self))))
      }
    }
    return runs.sorted { ($0.name, $0.lesson) > ($1.name, $1.lesson) }
  }

  /// The page's `<h1>` text, unescaped (it is escaped again when shown).
  static func pageTitle(_ html: String) -> String {
    guard let open = html.range(of: "<h1>"),
          let close = html.range(of: "</h1>", range: open.upperBound..<html.endIndex) else { return "" }
    return unescape(String(html[open.upperBound..<close.lowerBound]))
  }

  // MARK: HTML pieces

  static let style = """
    body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
           background: #fafafa; max-width: 1100px; margin: 24px auto; padding: 0 24px; }
    h1 { font-size: 26px; margin: 8px 0 2px; }
    h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
    .lesson, .nav { color: #666; margin: 0; }
    a { color: #0b57d0; }
    pre { background: #f0f0f0; padding: 8px 10px; border-radius: 4px; white-space: pre-wrap;
          word-break: break-all; font-size: 13px; }
    table { border-collapse: collapse; }
    th, td { text-align: left; vertical-align: top; padding: 3px 14px 3px 0; border-bottom: 1px solid #eee; }
    th { color: #555; font-weight: 600; }
    td { font-variant-numeric: tabular-nums; }
    table.grid th { border-bottom: 2px solid #ccc; }
    table.grid { display: block; overflow-x: auto; max-width: 100%; }
    p.note { color: #555; font-size: 14px; max-width: 900px; }
    figure { margin: 0 0 26px; }
    figure img { max-width: 100%; border: 1px solid #ddd; background: #fff; }
    img.pixels { image-rendering: pixelated; }
    figcaption { color: #444; font-size: 14px; margin-top: 4px; max-width: 900px; }
    code { font-size: 13px; }
    """

  static func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escape(title))</title>
    <style>
    \(style)
    </style>
    </head>
    <body>
    \(body)
    </body>
    </html>

    """
  }

  /// A two-column table: the key as a row header, the value beside it.
  static func table(_ rows: [(String, String)]) -> String {
    "<table>\n" + rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }
      .joined(separator: "\n") + "\n</table>"
  }

  /// Text safe inside elements and quoted attributes: `& < > " '` as entities.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  /// The inverse of `escape`.
  static func unescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
      .replacingOccurrences(of: "&amp;", with: "&")
  }

  /// A relative URL for a file name: each path component percent-encoded, then escaped
  /// for the attribute.
  static func href(_ file: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~/")
    return escape(file.addingPercentEncoding(withAllowedCharacters: allowed) ?? file)
  }

  /// An argument as a POSIX shell reads it back: unchanged when it holds only safe
  /// characters, otherwise in single quotes (a `'` inside becomes `'\''`).
  public static func shellQuoted(_ argument: String) -> String {
    let safe = CharacterSet(charactersIn:
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
    if !argument.isEmpty && argument.unicodeScalars.allSatisfy({ safe.contains($0) }) { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// `2026-11-25 18:30:05 UTC`.
  static func utc(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
    return formatter.string(from: date)
  }

  static func writeText(_ text: String, to path: String) throws(RunReportError) {
    do {
      try Files.writeAtomically(Array(text.utf8), to: path)
    } catch {
      switch error {
      case .notFound: throw .cannotWrite(path: path, reason: "not found")
      case let .cannotRead(reason), let .cannotWrite(reason): throw .cannotWrite(path: path, reason: reason)
      }
    }
  }
}

/// Errors of reports and metrics logs: each names the file at fault.
public enum RunReportError: Error, CustomStringConvertible, Equatable {
  /// A figure or link names a file that is not in the run folder.
  case missingFile(file: String, run: String)
  /// A figure or link is absolute or leaves the run folder with `..`.
  case notInRunFolder(file: String, run: String)
  /// A figure that `<img>` cannot show (not PNG, GIF or SVG).
  case unsupportedFigure(file: String, run: String)
  case cannotWrite(path: String, reason: String)
  /// An earlier run's file (a resumed run's metrics log) cannot be read back.
  case cannotRead(path: String, reason: String)

  public var description: String {
    switch self {
    case let .missingFile(file, run):
      return "run report: \(file) does not exist in \(run) (write the figure before the report)"
    case let .notInRunFolder(file, run):
      return "run report: \(file) must be a path relative to \(run), without '..'"
    case let .unsupportedFigure(file, run):
      return "run report: \(file) in \(run) is not a PNG, GIF or SVG figure (use addLink for other files)"
    case let .cannotWrite(path, reason):
      return "cannot write \(path): \(reason)"
    case let .cannotRead(path, reason):
      return "cannot read \(path): \(reason)"
    }
  }
}
