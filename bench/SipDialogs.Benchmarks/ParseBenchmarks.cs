using System.Buffers;
using BenchmarkDotNet.Attributes;
using SipDialogs.Messages;

namespace SipDialogs.Benchmarks;

/// <summary>
/// The message layer's hot path: index a typical INVITE (989 bytes, 12 headers, SDP body) and read what the
/// transaction and dialog layers need; decode every header; build a 200 OK from it.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private const int Operations = 100;

    private byte[] _invite = [];
    private SipRequest _request = null!;
    private readonly ArrayBufferWriter<byte> _writer = new(2048);

    [GlobalSetup]
    public void Setup()
    {
        _request = CapturedInvite.Load(out _invite);
    }

    /// <summary>Index the INVITE and read Call-ID, CSeq, the top Via branch, the From and To tags.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int ParseInvite()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _ = SipMessageParser.TryParse(_invite, out SipMessage? message, out _);
            sum += message!.CallIdBytes.Length + (int)message.CSeqNumber + message.TopViaBranch.Length + message.FromTag.Length + message.ToTag.Length;
        }

        return sum;
    }

    /// <summary>Index the INVITE and decode every header, typed where the stack has a type for it.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int ParseInviteAllHeaders()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _ = SipMessageParser.TryParse(_invite, out SipMessage? message, out _);
            _ = message!.TryValidate(out _);
            for (int h = 0; h < message.HeaderCount; h++)
            {
                sum += message.GetHeaderValue(h).Length;
            }
        }

        return sum;
    }

    /// <summary>Build a 200 OK to the INVITE (§8.2.6 copies, a Contact, an SDP answer) into a pooled writer.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int SerializeResponse()
    {
        int sum = 0;
        ReadOnlyMemory<byte> sdp = _request.Body;
        for (int i = 0; i < Operations; i++)
        {
            _writer.ResetWrittenCount();
            SipMessageBuilder.ResponseTo(_request, 200, toTag: "a6c85cf")
                .CopyHeaders(_request, SipHeaderKind.RecordRoute)
                .Add(SipHeaderKind.Contact, "<sip:uas@203.0.113.5:5060>")
                .WithBody("application/sdp", sdp)
                .WriteTo(_writer);
            sum += _writer.WrittenCount;
        }

        return sum;
    }
}
