using SharpFuzz;
using SipDialogs.Fuzz;

// Modes:
//   (none)               afl++: the fork server hands each input over on a stream.
//   --libfuzzer          libFuzzer, through a libfuzzer-dotnet driver.
//   --replay FILE...     runs the checks once on each saved input, in this process, and prints what escapes:
//                        the way to get the stack trace of a finding.
// Any exception that escapes a check is a finding: the parser threw on input, or broke one of its promises.
if (args.Length > 0 && args[0] == "--libfuzzer")
{
    Fuzzer.LibFuzzer.Run(ParserFuzzTarget.Check);
    return 0;
}

if (args.Length > 0 && args[0] == "--replay")
{
    return ParserFuzzTarget.Replay(args.AsSpan(1));
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    ParserFuzzTarget.Check(copy.GetBuffer().AsSpan(0, (int)copy.Length));
});
return 0;
