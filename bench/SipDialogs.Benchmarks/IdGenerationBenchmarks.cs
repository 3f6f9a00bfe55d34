using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SipDialogs.Messages;

namespace SipDialogs.Benchmarks;

/// <summary>
/// Cost of one SIP identifier (tag, branch, Call-ID) against the obvious way of minting one: a fresh call into
/// the secure generator per ID plus hex formatting. The design asks for at least 10× the baseline.
/// </summary>
[MemoryDiagnoser]
public class IdGenerationBenchmarks
{
    // Each ID takes nanoseconds, so each invocation mints many and the results are reported per ID.
    private const int IdsPerInvoke = 1_000;

    private readonly byte[] _destination = new byte[SipIds.BranchLength];

    /// <summary>16 bytes straight from the secure generator, then lowercase hex: 128 bits, 32 characters.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = IdsPerInvoke)]
    public string RandomNumberGeneratorPlusHex()
    {
        string id = string.Empty;
        for (int i = 0; i < IdsPerInvoke; i++)
        {
            id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        }

        return id;
    }

    /// <summary>A From/To tag as a string.</summary>
    [Benchmark(OperationsPerInvoke = IdsPerInvoke)]
    public string NewTag()
    {
        string id = string.Empty;
        for (int i = 0; i < IdsPerInvoke; i++)
        {
            id = SipIds.NewTag();
        }

        return id;
    }

    /// <summary>A Via branch, magic cookie included, as a string.</summary>
    [Benchmark(OperationsPerInvoke = IdsPerInvoke)]
    public string NewBranch()
    {
        string id = string.Empty;
        for (int i = 0; i < IdsPerInvoke; i++)
        {
            id = SipIds.NewBranch();
        }

        return id;
    }

    /// <summary>A Call-ID without host part, as a string.</summary>
    [Benchmark(OperationsPerInvoke = IdsPerInvoke)]
    public string NewCallId()
    {
        string id = string.Empty;
        for (int i = 0; i < IdsPerInvoke; i++)
        {
            id = SipIds.NewCallId();
        }

        return id;
    }

    /// <summary>A Via branch written as ASCII into a caller's buffer: the allocation-free hot-path form.</summary>
    [Benchmark(OperationsPerInvoke = IdsPerInvoke)]
    public int WriteBranchToSpan()
    {
        Span<byte> destination = _destination;
        int written = 0;
        for (int i = 0; i < IdsPerInvoke; i++)
        {
            written += SipIds.WriteBranch(destination);
        }

        return written;
    }
}
