import Foundation
@testable import Lab
import Testing

/// A fresh runs root in the temporary folder; the caller removes it.
private func temporaryRoot() -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent("genlab-report-\(UUID().uuidString)").path
}

private func text(_ path: String) throws -> String {
  try String(contentsOfFile: path, encoding: .utf8)
}

/// Every `src="…"` and `href="…"` value in `html`, by a plain scan (our pages quote
/// attributes with `"` and escape `"` inside them, so the next `"` ends the value).
private func references(_ html: String) -> [String] {
  var found: [String] = []
  for attribute in ["src=\"", "href=\""] {
    var rest = html[...]
    while let start = rest.range(of: attribute) {
      let after = rest[start.upperBound...]
      guard let end = after.firstIndex(of: "\"") else { break }
      found.append(RunReport.unescape(String(after[..<end])).removingPercentEncoding!)
      rest = after[after.index(after: end)...]
    }
  }
  return found
}

/// Checks that each reference in the page at `page` is relative and names an existing file.
private func expectReferencesExist(_ page: String) throws {
  let html = try text(page)
  let folder = (page as NSString).deletingLastPathComponent
  let links = references(html)
  #expect(!links.isEmpty)
  for link in links {
    #expect(!link.hasPrefix("/") && !link.contains(":"), "not relative: \(link) in \(page)")
    let target = (folder as NSString).appendingPathComponent(link)
    #expect(FileManager.default.fileExists(atPath: target), "\(page) links to \(link), which does not exist")
  }
}

@Suite struct MetricsLogTests {
  @Test func linesAreJSONWithTheRightKeysAndNullForNonFinite() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let run = try RunFolder.create(lesson: "lesson99-test", root: root)
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let log = try MetricsLog(run: run, start: start)
    try log.log(step: 0, ["loss": 0.25, "nll": .nan], now: start.addingTimeInterval(1.5))
    try log.log(step: 10, epoch: 2, ["loss": .infinity, "tiny": 1e-5, "neg": -.infinity],
                now: start.addingTimeInterval(3))
    // Flushed per line: the file is complete before close.
    let lines = try text(run.file("metrics.jsonl")).split(separator: "\n").map(String.init)
    log.close()
    #expect(lines.count == 2)
    #expect(lines[0] == #"{"step":0,"wall_time":1.5,"loss":0.25,"nll":null}"#)

    let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
    #expect(Set(first.keys) == ["step", "wall_time", "loss", "nll"])
    #expect(first["step"] as? Int == 0)
    #expect(first["loss"] as? Double == 0.25)
    #expect(first["nll"] is NSNull)

    let second = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
    #expect(Set(second.keys) == ["step", "epoch", "wall_time", "loss", "tiny", "neg"])
    #expect(second["epoch"] as? Int == 2)
    #expect(second["wall_time"] as? Double == 3)
    #expect(second["tiny"] as? Double == 1e-5)
    #expect(second["loss"] is NSNull && second["neg"] is NSNull)
    // Closed: a later line is an error, not a silent loss.
    #expect(throws: RunReportError.self) { try log.log(step: 11, ["loss": 1]) }
  }

  @Test func namesAreJSONEscaped() {
    let line = MetricsLog.line(step: 1, epoch: nil, wallTime: 0, ["a \"b\"\\\n": 1])
    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    #expect(object?["a \"b\"\\\n"] as? Double == 1)
  }

  @Test func unwritableFolderNamesTheFile() {
    #expect(throws: RunReportError.self) {
      try MetricsLog(path: "/nonexistent-genlab-folder/metrics.jsonl")
    }
  }
}

@Suite struct RunReportTests {
  /// A run with two small figures and a checkpoint-like file in it.
  func makeRun(root: String, date: Date = Date(timeIntervalSince1970: 1_800_000_000)) throws -> RunFolder {
    let run = try RunFolder.create(lesson: "lesson99-test", root: root, date: date)
    for name in ["grid.png", "plot.svg", "model.safetensors"] {
      _ = FileManager.default.createFile(atPath: run.file(name), contents: Data("x".utf8))
    }
    return run
  }

  func makeReport(_ run: RunFolder, title: String = "Test run") -> RunReport {
    var report = RunReport(run: run, title: title, seed: 7, started: Date(timeIntervalSince1970: 1_800_000_000),
                           arguments: ["lesson99-test", "--seed", "7", "--note", "it's a test"])
    report.settings = [("threads", "2")]
    report.dataset = "toy data"
    report.metrics = [("loss", "0.25")]
    report.wallTime = 12.5
    report.addFigure("grid.png", caption: "a grid")
    report.addFigure("plot.svg", caption: "a plot")
    report.addLink("model.safetensors", text: "the checkpoint")
    return report
  }

  @Test func pageReferencesOnlyFilesThatExist() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let run = try makeRun(root: root)
    let page = try makeReport(run).write()
    #expect(page == run.file("index.html"))
    try expectReferencesExist(page)
    let html = try text(page)
    #expect(html.contains("<img class=\"pixels\" src=\"grid.png\""))
    #expect(html.contains("<img src=\"plot.svg\""))
    #expect(html.contains("href=\"model.safetensors\""))
    #expect(html.contains("lesson99-test --seed 7 --note &#39;it&#39;\\&#39;&#39;s a test&#39;"))
    #expect(html.contains("12.5 s") && html.contains("2027-01-15 08:00:00 UTC"))
  }

  @Test func missingFigureThrowsNamingIt() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let run = try makeRun(root: root)
    var report = makeReport(run)
    report.addFigure("samples-epoch-9.png", caption: "not written yet")
    #expect(throws: RunReportError.missingFile(file: "samples-epoch-9.png", run: run.path)) {
      try report.write()
    }
    #expect(!FileManager.default.fileExists(atPath: run.file("index.html")))
    #expect("\(RunReportError.missingFile(file: "samples-epoch-9.png", run: run.path))".contains("samples-epoch-9.png"))

    var outside = makeReport(run)
    outside.addLink("../other/model.safetensors", text: "escapes the run folder")
    #expect(throws: RunReportError.notInRunFolder(file: "../other/model.safetensors", run: run.path)) {
      try outside.write()
    }
    var notAPicture = makeReport(run)
    notAPicture.addFigure("model.safetensors", caption: "not an image")
    #expect(throws: RunReportError.unsupportedFigure(file: "model.safetensors", run: run.path)) {
      try notAPicture.write()
    }
  }

  @Test func everyTextIsEscapedAndNothingIsFetched() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let run = try makeRun(root: root)
    var report = makeReport(run, title: "<script>alert('x')</script> & \"more\"")
    report.settings.append(("<b>", "a & b"))
    report.metrics.append(("x<y", "\"q\""))
    report.addFigure("grid.png", caption: "<img src=x onerror=y>")
    let page = try report.write()
    let html = try text(page)
    #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"))
    #expect(html.contains("<th>&lt;b&gt;</th><td>a &amp; b</td>"))
    #expect(html.contains("&lt;img src=x onerror=y&gt;"))
    for file in [page, (root as NSString).appendingPathComponent("index.html")] {
      let output = try text(file).lowercased()
      #expect(!output.contains("<script"), "\(file) holds a script")
      #expect(!output.contains("http"), "\(file) names a network address")
    }
    // The runs index shows the title escaped again after reading it back.
    #expect(try text((root as NSString).appendingPathComponent("index.html")).contains("&lt;script&gt;"))
  }

  @Test func tablesShowHeadersRowsAndNotesEscaped() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let run = try makeRun(root: root)
    var report = makeReport(run)
    report.addTable("Compressors", header: ["method", "bits/char"], rows: [["xz -9e", "2.80"], ["<model>", "2.6"]],
                    note: "given the training text")
    let html = try text(try report.write())
    #expect(html.contains("<h2>Compressors</h2>\n<table class=\"grid\">\n<tr><th>method</th><th>bits/char</th></tr>"))
    #expect(html.contains("<tr><td>xz -9e</td><td>2.80</td></tr>\n<tr><td>&lt;model&gt;</td><td>2.6</td></tr>"))
    #expect(html.contains("<p class=\"note\">given the training text</p>"))
    // Tables come after the results and before the figures.
    let results = html.range(of: "<h2>Results</h2>")!, table = html.range(of: "<h2>Compressors</h2>")!
    #expect(results.lowerBound < table.lowerBound && table.lowerBound < html.range(of: "<h2>Figures</h2>")!.lowerBound)
  }

  @Test func runsIndexListsRunsNewestFirstWithWorkingLinks() throws {
    let root = temporaryRoot()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let old = try makeRun(root: root, date: Date(timeIntervalSince1970: 1_800_000_000))
    let new = try makeRun(root: root, date: Date(timeIntervalSince1970: 1_800_086_400))
    // Another lesson, started between the two: a report with no figures at all.
    let other = try RunFolder.create(lesson: "lesson98-other", root: root, date: Date(timeIntervalSince1970: 1_800_040_000))
    try makeReport(old, title: "old run").write()
    try makeReport(new, title: "new run").write()
    // Not a run: a folder without a page is left out.
    _ = try RunFolder.create(lesson: "lesson99-test", root: root, date: Date(timeIntervalSince1970: 1_800_200_000))
    try RunReport(run: other, title: "other lesson").write()

    let index = (root as NSString).appendingPathComponent("index.html")
    let html = try text(index)
    let links = references(html)
    let names = [new, other, old].map { "\($0.lesson)/\(($0.path as NSString).lastPathComponent)/index.html" }
    #expect(links == names)
    try expectReferencesExist(index)
    // Each run page links back to the index.
    try expectReferencesExist(old.file("index.html"))
    #expect(try text(old.file("index.html")).contains("href=\"../../index.html\""))
  }

  @Test(arguments: [("plain", "plain"), ("--out=runs/a", "--out=runs/a"), ("", "''"),
                    ("two words", "'two words'"), ("it's", "'it'\\''s'"), ("$HOME", "'$HOME'")])
  func shellQuoting(argument: String, expected: String) {
    #expect(RunReport.shellQuoted(argument) == expected)
  }
}
