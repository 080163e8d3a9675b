import ArithmeticCoding
import Foundation
import Testing

/// Text as symbols: its UTF-8 bytes, alphabet 256 (any text round-trips; for ASCII text a
/// symbol is a character).
func symbols(_ text: String) -> [Int] { text.utf8.map(Int.init) }

@Suite struct CountModelByHandTests {
  /// Training (0, 0, 1), n = 3, α = 1: counts (2, 1, 0), N = 3 → p = (3, 2, 1)/6.
  /// Bits per symbol of (0, 2) = (−log₂ ½ − log₂ ⅙)/2 = (1 + 2.5849625007)/2 = 1.7924812504.
  @Test func unigram() {
    let model = UnigramModel(training: [0, 0, 1], alphabetSize: 3, alpha: 1)
    #expect(model.counts == [2, 1, 0])
    let p = model.probabilities(after: [])
    #expect(zip(p, [0.5, 1.0 / 3, 1.0 / 6]).allSatisfy { abs($0 - $1) < 1e-15 }, "\(p)")
    #expect(model.probabilities(after: [2, 1]) == p)                      // the context is ignored
    #expect(abs(model.probability(of: 2, after: []) - 1.0 / 6) < 1e-15)
    #expect(abs(model.bitsPerSymbol(of: [0, 2]) - 1.792481250360578) < 1e-12)
  }

  /// Training (0, 1, 0, 1, 1), n = 2, α = ½: pairs 01, 10, 01, 11 → c = [[0, 2], [1, 1]],
  ///   p(·|0) = (0.5, 2.5)/3 = (⅙, ⅚),  p(·|1) = (1.5, 1.5)/3 = (½, ½);
  ///   the first symbol from the unigram: counts (2, 3) → (2.5, 3.5)/6.
  /// Bits per symbol of (1, 0, 1): (−log₂(3.5/6) − log₂ ½ − log₂ ⅚)/3
  ///   = (0.7776075787 + 1 + 0.2630344058)/3 = 0.6802139948 (Python's math.log2).
  @Test func bigram() {
    let model = BigramModel(training: [0, 1, 0, 1, 1], alphabetSize: 2, alpha: 0.5)
    #expect(model.counts == [0, 2, 1, 1] && model.rowTotals == [2, 2])
    let afterZero = model.probabilities(after: [1, 0])
    #expect(abs(afterZero[0] - 1.0 / 6) < 1e-15 && abs(afterZero[1] - 5.0 / 6) < 1e-15)
    #expect(model.probabilities(after: [1]) == [0.5, 0.5])
    #expect(abs(model.probability(of: 1, after: []) - 3.5 / 6) < 1e-15)
    #expect(abs(model.bitsPerSymbol(of: [1, 0, 1]) - 0.6802139948324486) < 1e-12)
    #expect(model.bitsPerSymbol(of: []) == 0)
  }

  /// The fast probability(of:after:) and the cached tables agree with probabilities(after:).
  @Test(arguments: [0.01, 0.5, 1, 3])
  func shortcutsAgree(_ alpha: Double) {
    let training = symbols(aliceText)
    let bigram = BigramModel(training: training, alphabetSize: 256, alpha: alpha)
    let unigram = bigram.unigram
    for context in [[], [Int(UInt8(ascii: "t"))], [Int(UInt8(ascii: "q"))], [255]] as [[Int]] {
      for model in [bigram, unigram] as [any NextSymbolModel] {
        let p = model.probabilities(after: context[...])
        #expect(abs(p.reduce(0, +) - 1) < 1e-12)
        #expect((0..<256).allSatisfy { abs(model.probability(of: $0, after: context[...]) - p[$0]) < 1e-15 })
        #expect(model.frequencyTable(after: context[...]) == FrequencyTable(probabilities: p))
      }
    }
  }
}

/// Encodes `heldOut` with `model`, decodes it, and checks: bit-exact, the decoder accepts
/// the stream, and the size against the model's own bits per symbol B·N:
///   the quantised ideal Σ −log₂ q is ≤ B·N + N·(−log₂(1 − n/2¹⁶)) (FrequencyTable's bound;
///   it can also be a little *below* B·N, since rounding lifts tiny p's to 1/T),
///   the stream in bits is ≤ 1.01·(quantised ideal) + 16, and (a sanity check, not a
///   theorem: the stream does not store its length) ≥ 0.99·B·N − 32.
@discardableResult
func checkCompression(_ model: some NextSymbolModel, _ heldOut: [Int], _ label: String)
  -> (bytes: Int, bitsPerSymbol: Double, streamBitsPerSymbol: Double) {
  let bytes = ArithmeticCoding.encode(heldOut, model: model)
  do {
    let decoded = try ArithmeticCoding.decode(bytes, count: heldOut.count, model: model)
    #expect(decoded == heldOut, "\(label): round trip differs at \(firstDifference(decoded, heldOut))")
  } catch {
    Issue.record("\(label): the decoder rejected the encoder's own stream: \(error)")
  }
  let n = Double(heldOut.count)
  let modelBits = model.bitsPerSymbol(of: heldOut) * n
  let quantisedBits = ArithmeticCoding.idealBits(heldOut, model: model)
  let quantisationBound = n * -log2(1 - Double(model.alphabetSize) / Double(FrequencyTable.defaultTotal))
  #expect(quantisedBits <= modelBits + quantisationBound + 1e-9 * modelBits,
          "\(label): quantised ideal \(quantisedBits) bits vs the model's \(modelBits), bound +\(quantisationBound)")
  let streamBits = Double(8 * bytes.count)
  #expect(streamBits <= 1.01 * quantisedBits + 16 && streamBits >= 0.99 * modelBits - 32,
          "\(label): stream \(streamBits) bits, model \(modelBits) bits, quantised ideal \(quantisedBits) bits")
  return (bytes.count, modelBits / n, streamBits / n)
}

@Suite struct CountModelCompressionTests {
  /// The bundled text, compressed by a bigram trained on the text itself, and by a bigram
  /// trained on its first half compressing the second half (held out).
  @Test(arguments: [0.05, 0.5, 1])
  func bundledText(_ alpha: Double) {
    let text = symbols(aliceText)
    #expect(text.count > 1000)
    let inSample = BigramModel(training: text, alphabetSize: 256, alpha: alpha)
    let whole = checkCompression(inSample, text, "Alice, in-sample bigram α \(alpha)")
    let half = text.count / 2
    let heldOut = BigramModel(training: Array(text[..<half]), alphabetSize: 256, alpha: alpha)
    let second = checkCompression(heldOut, Array(text[half...]), "Alice, held-out bigram α \(alpha)")
    // A bigram of English is well under 8 bits per character, in sample clearly under held out.
    #expect(whole.bitsPerSymbol < second.bitsPerSymbol && second.bitsPerSymbol < 6,
            "α \(alpha): in-sample \(whole.bitsPerSymbol), held-out \(second.bitsPerSymbol) bits per character")
  }

  /// The small word list embedded here (always present): a 90/10 split by word (every tenth
  /// word held out), bigram and unigram; the bigram must beat the unigram. α = 0.05: with
  /// 256 symbols and ~1 500 training characters, α = 0.5 would add 128 made-up counts to
  /// every row of ~50 real ones, and the bigram would lose to the unigram.
  @Test func embeddedWordList() {
    let words = embeddedWords.split(separator: " ").map(String.init)
    #expect(words.count >= 200)
    let (train, heldOut) = splitWords(words)
    let unigram = UnigramModel(training: train, alphabetSize: 256, alpha: 0.05)
    let bigram = BigramModel(training: train, alphabetSize: 256, alpha: 0.05)
    let u = checkCompression(unigram, heldOut, "embedded words, unigram")
    let b = checkCompression(bigram, heldOut, "embedded words, bigram")
    #expect(b.bitsPerSymbol < u.bitsPerSymbol, "bigram \(b.bitsPerSymbol) vs unigram \(u.bitsPerSymbol) bits per character")
  }

  /// The system word list, when installed: every tenth word held out, the rest trained on,
  /// the held-out words encoded and decoded bit-exact with the bigram. Debug builds use the
  /// first 20 000 words (about 2 s), release builds all of them.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: dictionaryPath),
                 "\(dictionaryPath) is not installed (apt-get install wamerican); embeddedWordList still runs"))
  func systemWordList() throws {
    var words = try String(contentsOfFile: dictionaryPath, encoding: .utf8).split(separator: "\n").map(String.init)
    #if DEBUG
    words = Array(words.prefix(20_000))
    #endif
    let (train, heldOut) = splitWords(words)
    for alpha in [0.01, 0.1, 0.5, 1] {
      let unigram = UnigramModel(training: train, alphabetSize: 256, alpha: alpha)
      let bigram = BigramModel(training: train, alphabetSize: 256, alpha: alpha)
      let u = unigram.bitsPerSymbol(of: heldOut)
      let b = alpha == 0.1 ? checkCompression(bigram, heldOut, "\(dictionaryPath), bigram α 0.1").bitsPerSymbol
                           : bigram.bitsPerSymbol(of: heldOut)
      #expect(b < u)
      print("\(dictionaryPath): \(words.count) words, \(train.count) training / \(heldOut.count) held-out bytes;",
            "α \(alpha): unigram \(String(format: "%.4f", u)), bigram \(String(format: "%.4f", b)) bits per character")
    }
  }
}

let dictionaryPath = "/usr/share/dict/words"

/// Words joined by "\n" (each followed by one) as UTF-8 bytes: every tenth word (index
/// 9, 19, …) held out, the rest for training. No shuffle: the interleaving keeps both parts
/// spread over the alphabetical list.
func splitWords(_ words: [String]) -> (train: [Int], heldOut: [Int]) {
  var train: [Int] = [], heldOut: [Int] = []
  for (i, word) in words.enumerated() {
    if i % 10 == 9 { heldOut += symbols(word + "\n") } else { train += symbols(word + "\n") }
  }
  return (train, heldOut)
}

/// The opening of Lewis Carroll, "Alice's Adventures in Wonderland" (1865), chapter I
/// (public domain).
let aliceText = """
Alice was beginning to get very tired of sitting by her sister on the bank, and of having \
nothing to do: once or twice she had peeped into the book her sister was reading, but it had \
no pictures or conversations in it, "and what is the use of a book," thought Alice "without \
pictures or conversations?" So she was considering in her own mind (as well as she could, for \
the hot day made her feel very sleepy and stupid), whether the pleasure of making a \
daisy-chain would be worth the trouble of getting up and picking the daisies, when suddenly a \
White Rabbit with pink eyes ran close by her. There was nothing so very remarkable in that; nor \
did Alice think it so very much out of the way to hear the Rabbit say to itself, "Oh dear! Oh \
dear! I shall be late!" (when she thought it over afterwards, it occurred to her that she ought \
to have wondered at this, but at the time it all seemed quite natural); but when the Rabbit \
actually took a watch out of its waistcoat-pocket, and looked at it, and then hurried on, Alice \
started to her feet, for it flashed across her mind that she had never before seen a rabbit \
with either a waistcoat-pocket, or a watch to take out of it, and burning with curiosity, she \
ran across the field after it, and fortunately was just in time to see it pop down a large \
rabbit-hole under the hedge. In another moment down went Alice after it, never once \
considering how in the world she was to get out again. The rabbit-hole went straight on like a \
tunnel for some way, and then dipped suddenly down, so suddenly that Alice had not a moment to \
think about stopping herself before she found herself falling down a very deep well.
"""

/// 240 common English words, space-separated (the test's own word list).
let embeddedWords = """
about above across after again against air all almost along also always among an and animal \
another answer any are area around as ask at away back base be beauty because become bed been \
before began begin behind being below best better between big bird black blue boat body book \
both bottom box boy bring brought build built but by call came can car care carry cause center \
certain change check children city class clear close cold color come common complete could \
country course cover cross cry cut dark day decide deep did differ direct do does dog done door \
down draw dry during each early earth ease east eat end enough even ever every example eye face \
fact fall family far farm fast father feel feet few field figure fill final find fine fire first \
fish five fly follow food foot for force form found four free friend from front full game gave \
general get girl give go gold good got govern great green ground group grow half hand happen hard \
has have he head hear heard heart heat help her here high him his hold home horse hot hour house \
how hundred idea if important in inch interest is island it just keep kind king knew know land \
language large last late laugh lay lead learn leave left less let letter life light like line \
list listen little live long look love low machine made main make man many map mark may mean measure \
men might mile mind minute miss money moon more morning most mother mountain move much music must \
name near need never new next night no north note nothing notice now number object of off often \
old on once one only open or order other our out over own page paper part pass people perhaps \
person picture piece place plan plant play point port pose possible pound power press problem \
produce product pull put question quick rain ran reach read ready real record red remember rest \
right river road rock room round rule run said same saw say school science sea second see seem \
self sentence serve set several shape she ship short should show side simple since sing size \
sleep slow small snow so some song soon sound south space special spell stand star start state \
stay step still stood stop story street strong study such sun sure surface table tail take talk \
teach tell ten test than that the their them then there these they thing think this those though \
thought three through time to together told too took top toward town travel tree true try turn \
two under unit until up upon us use usual very voice vowel wait walk want warm was watch water \
wave way we week weight well went were west what wheel when where which while white who whole why \
will wind window wish with wonder wood word work world would write year yes yet you young your
"""
