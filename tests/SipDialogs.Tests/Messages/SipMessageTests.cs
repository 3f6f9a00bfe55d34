using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

/// <summary>The decode-on-demand cache of <see cref="SipMessage"/>: shared by every reader, on any thread.</summary>
public class SipMessageTests
{
    private const string Invite =
        "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\nMax-Forwards: 70\r\n" +
        "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1@192.0.2.1\r\n" +
        "CSeq: 1 INVITE\r\nContact: <sip:alice@192.0.2.1>\r\nSubject: a folded\r\n  value\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public async Task ThreadsReadingTheSameHeaderAtOnceAllGetTheOneObjectThatWasPublished()
    {
        for (int round = 0; round < 200; round++)
        {
            var request = (SipRequest)SipMessageParser.Parse(Invite);
            using var start = new Barrier(4);
            Task<(NameAddress, IReadOnlyList<ViaHeader>, string, string)>[] readers = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return (request.From, request.Via, request.CallId, request.GetHeaderValue(SipHeaderKind.Subject)!);
            }))];
            var read = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30));

            foreach (var (from, via, callId, subject) in read)
            {
                Assert.Same(read[0].Item1, from);
                Assert.Same(read[0].Item2, via);
                Assert.Same(read[0].Item3, callId);
                Assert.Equal("a folded value", subject);
            }

            Assert.Same(request.From, read[0].Item1);
        }
    }

    [Fact]
    public void ACopyOfTheIndexSharesTheBytesButNoDecodedValueAndReleasingItLeavesTheOriginalAlone()
    {
        var request = (SipRequest)SipMessageParser.Parse(Invite);
        NameAddress from = request.From;

        var copy = (SipRequest)request.CopyIndex();
        Assert.False(copy.HasDecodedHeaders);
        Assert.True(copy.Buffer.Span == request.Buffer.Span);
        Assert.Equal("a1", copy.From.Tag);
        Assert.NotSame(from, copy.From);

        copy.ReleaseDecodedHeaders();
        Assert.False(copy.HasDecodedHeaders);
        Assert.True(request.HasDecodedHeaders);
        Assert.Same(from, request.From);
        Assert.Equal(Encoding.ASCII.GetString(request.CallIdBytes), copy.CallId);
    }
}
