// The safetensors reader (checkpoints, samples) on arbitrary bytes: tensors whose data
// matches their shapes and dtype, or an error — never a crash or an allocation the file
// does not back.
import GenLab

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let (tensors, _) = try? SafeTensors.read(bytes: bytes, name: "fuzz.safetensors") {
    for (name, tensor) in tensors {
      precondition(tensor.count == tensor.shape.reduce(1, *), "SafeTensors.read: \(name) shape \(tensor.shape), \(tensor.count) values")
    }
  }
  return 0
}
