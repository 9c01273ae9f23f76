// A stand-in for the native addon that crashes or hangs on some cases, to prove that the weights
// fuzzer notices both and carries on. Behaviour is picked from the case number in the file name.
let ErrorClass = Error;

module.exports = {
  setErrorClass(cls) {
    ErrorClass = cls;
  },
  readWeights(path) {
    const index = Number(/case-(\d+)\.bin$/.exec(path)?.[1]);
    if (index % 50 === 7) process.kill(process.pid, 'SIGSEGV');
    if (index % 50 === 13) return new Promise(() => setInterval(() => {}, 1000));
    if (index % 2 === 0) return Promise.resolve({ format: 'pytorch', metadata: {}, tensors: [] });
    return Promise.reject(new ErrorClass(`cannot read ${path}`, 'E_IO'));
  },
};
