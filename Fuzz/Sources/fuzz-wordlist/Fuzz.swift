// The word-list loader and the character vocabulary on arbitrary bytes: words or a named
// error (invalid UTF-8, an empty list) — and, for a list that loads, the vocabulary
// encodes and decodes every word back.
import GenLab

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let words = try? WordList.parse(bytes, path: "fuzz.txt") else { return 0 }
  precondition(!words.isEmpty && words.allSatisfy { !$0.isEmpty && !$0.contains("\n") },
               "WordList.parse: an empty word or a newline inside one")
  let vocabulary = CharacterVocabulary(words: words)
  let text = WordSplit.text(words)
  precondition(vocabulary.decode(vocabulary.encode(text)) == text, "CharacterVocabulary: the text does not round-trip")
  return 0
}
