using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Benchmarks;

/// <summary>
/// What a UAS does per request before and after the application sees it: index the typical INVITE and decode its Via
/// list (the transport's check, RFC 3261 §18.2.2), then write the 200 whose top Via carries received and rport
/// (§18.2.1, RFC 3581 §4) as the transaction layer does, and the dialog's URIs written out as strings.
/// </summary>
[MemoryDiagnoser]
public class ServerResponseBenchmarks
{
    private const int Operations = 100;

    private byte[] _invite = [];
    private InboundMessage _inbound = null!;
    private NameAddress _from = null!;
    private readonly ArrayBufferWriter<byte> _writer = new(2048);

    [GlobalSetup]
    public void Setup()
    {
        SipRequest request = CapturedInvite.Load(out _invite);

        // From a NAT: the source is not the Via's sent-by, and the Via asks for rport.
        var source = new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.9"), 40312));
        _inbound = new InboundMessage(request, source, default, 0);
        _from = request.From!;
    }

    /// <summary>Index the INVITE and decode its Via list, as the transport does for every request.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int ParseAndDecodeVia()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _ = SipMessageParser.TryParse(_invite, out SipMessage? message, out _);
            _ = message!.TryGetVia(out IReadOnlyList<ViaHeader>? vias, out _);
            sum += vias!.Count;
        }

        return sum;
    }

    /// <summary>Write the 200 to the INVITE with the stamped top Via, a Contact and no body into a pooled writer.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int StampedResponse()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            _writer.ResetWrittenCount();
            ViaReceivedParameters.ResponseTo(_inbound, 200, toTag: "a6c85cf")
                .Add(SipHeaderKind.Contact, "<sip:uas@203.0.113.5:5060>")
                .WriteTo(_writer);
            sum += _writer.WrittenCount;
        }

        return sum;
    }

    /// <summary>The From header written out as a string, as a dialog keeps its remote URI.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int NameAddressText()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            sum += _from.ToString().Length;
        }

        return sum;
    }
}
