using BenchmarkDotNet.Attributes;
using SipDialogs.Messages;

namespace SipDialogs.Benchmarks;

/// <summary>
/// What the §8.2 checks a UAS makes cost on top of parsing a typical INVITE (989 bytes, 12 headers, SDP body): the
/// lean check the UAS runs, which reads what it needs in place, against the full check users may run
/// (<see cref="SipMessage.TryValidate"/>), which decodes every header the stack has a type for.
/// </summary>
[MemoryDiagnoser]
public class ValidationBenchmarks
{
    private const int Operations = 100;

    private byte[] _invite = [];

    [GlobalSetup]
    public void Setup()
    {
        _invite = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "invite.sip"));
        if (!SipMessageParser.TryParse(_invite, out SipMessage? message, out SipParseError error) || !message!.TryValidateAsUas(out error))
        {
            throw new InvalidOperationException($"The benchmark INVITE is not valid: {error}");
        }
    }

    /// <summary>Index the INVITE: the message itself, its one allocation.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int Parse()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _ = SipMessageParser.TryParse(_invite, out SipMessage? message, out _);
            sum += message!.HeaderCount;
        }

        return sum;
    }

    /// <summary>Index the INVITE and make the UAS's §8.2 checks, as UasCore and an in-dialog request do.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int ParseAndValidateAsUas() => ParseAndValidate(asUas: true);

    /// <summary>Index the INVITE and run the full check, which decodes every typed header (what the UAS ran before).</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int ParseAndValidateFully() => ParseAndValidate(asUas: false);

    private int ParseAndValidate(bool asUas)
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _ = SipMessageParser.TryParse(_invite, out SipMessage? message, out _);
            bool valid = asUas ? message!.TryValidateAsUas(out _) : message!.TryValidate(out _);
            sum += valid ? message.HeaderCount : 0;
        }

        return sum;
    }
}
