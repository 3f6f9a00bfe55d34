using System.Buffers;
using System.Globalization;
using System.Text;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class SipStreamFramerTests
{
    private const string CapturePath = "sip-stream-generic.txt";

    private static readonly byte[] s_invite = Encoding.ASCII.GetBytes(SipMessageParserTests.Invite);

    private static readonly Lazy<byte[]> s_capture = new(() => TestData.Bytes(CapturePath));

    // The capture holds transport-neutral messages, some without Content-Length; on a stream every message needs
    // one (RFC 3261 §18.3), so the stream tests use the capture with "Content-Length: 0" added where it is missing.
    private static readonly Lazy<List<byte[]>> s_streamMessages = new(() => SplitCapture(s_capture.Value, addMissingContentLength: true));

    private static readonly Lazy<byte[]> s_stream = new(() => s_streamMessages.Value.SelectMany(m => m).ToArray());

    [Fact]
    public void ReadsTheWholeCaptureInOneBufferAsItsMessages()
    {
        AssertReadsTheCapture(Frame(s_stream.Value, []));
    }

    [Fact]
    public void ReadsTheCaptureFedOneByteAtATimeAsItsMessages()
    {
        // One contiguous buffer that grows by a byte per read, as a pipe that coalesces its reads hands it over.
        byte[] stream = s_stream.Value;
        var run = new FramerRun();
        int start = 0;
        for (int fed = 1; fed <= stream.Length; fed++)
        {
            var buffer = new ReadOnlySequence<byte>(stream, start, fed - start);
            bool more = run.Drain(ref buffer, null);
            start = fed - (int)buffer.Length;
            Assert.True(more, run.Error.ToString());
        }

        AssertReadsTheCapture(run);
    }

    [Fact]
    public void ReadsMessagesSplitIntoOneByteSegments()
    {
        // Every byte its own segment: each look-ahead for the blank line crosses a segment boundary. Only the first
        // messages, as the framer rescans the pending header block on each call and one-byte segments make that slow.
        List<byte[]> messages = s_streamMessages.Value.GetRange(0, 16);
        byte[] stream = messages.SelectMany(m => m).ToArray();
        FramerRun run = Frame(stream, Enumerable.Range(1, stream.Length - 1).ToArray());
        Assert.Equal(SipParseStatus.Incomplete, run.Final);
        Assert.Equal(messages, run.Messages);
    }

    [Fact]
    public void ReadsTheCaptureInRandomSplitsAsItsMessages()
    {
        var random = new Random(5626);
        for (int round = 0; round < 20; round++)
        {
            var cuts = new SortedSet<int>();
            int count = random.Next(1, 2000);
            for (int i = 0; i < count; i++)
            {
                cuts.Add(random.Next(1, s_stream.Value.Length));
            }

            AssertReadsTheCapture(Frame(s_stream.Value, [.. cuts]));
        }
    }

    [Fact]
    public void RejectsTheRawCaptureAtItsFirstMessageBecauseItLacksContentLength()
    {
        FramerRun run = Frame(s_capture.Value, []);
        Assert.Empty(run.Messages);
        Assert.Equal(SipParseStatus.Rejected, run.Final);
        Assert.Equal(SipRejectReason.MissingContentLength, run.Error.Reason);
    }

    [Fact]
    public void ReadsAMessageSplitInTwoAtEveryPoint()
    {
        for (int cut = 1; cut < s_invite.Length; cut++)
        {
            FramerRun run = Frame(s_invite, [cut]);
            Assert.Equal(SipParseStatus.Incomplete, run.Final);
            Assert.Equal(s_invite, Assert.Single(run.Messages));
            Assert.Equal(0, run.Unread);
        }
    }

    [Fact]
    public void WantsMoreBytesForEveryPrefixOfAMessage()
    {
        for (int length = 0; length < s_invite.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(s_invite, 0, length);
            Assert.Equal(SipParseStatus.Incomplete, SipStreamFramer.TryReadMessage(ref buffer, out _, out _, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void CountsCrlfCrlfAsOnePingAndConsumesIt()
    {
        var buffer = new ReadOnlySequence<byte>("\r\n\r\n"u8.ToArray());
        Assert.Equal(SipParseStatus.Incomplete, SipStreamFramer.TryReadMessage(ref buffer, out _, out int pings, out _));
        Assert.Equal(1, pings);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void KeepsALoneCrlfUntilMoreBytesArrive()
    {
        FramerRun first = Frame("\r\n"u8.ToArray(), []);
        Assert.Equal(0, first.Pings);
        Assert.Equal(2, first.Unread);

        FramerRun completed = Frame("\r\n\r\n"u8.ToArray(), [2]);
        Assert.Equal(1, completed.Pings);
        Assert.Equal(0, completed.Unread);
    }

    [Fact]
    public void SkipsPingsBeforeAMessageAndCountsThem()
    {
        byte[] stream = [.. "\r\n\r\n\r\n\r\n"u8, .. s_invite, .. "\r\n\r\n"u8];
        FramerRun run = Frame(stream, []);
        Assert.Equal(s_invite, Assert.Single(run.Messages));
        Assert.Equal(3, run.Pings);
        Assert.Equal(SipParseStatus.Incomplete, run.Final);
    }

    [Fact]
    public void RejectsAHeaderBlockOverTheLimitBeforeItsBlankLineArrives()
    {
        var limits = new SipLimits { MaxHeaderBytes = 1024 };
        var text = new StringBuilder("OPTIONS sip:a@h SIP/2.0\r\n");
        while (text.Length <= limits.MaxHeaderBytes)
        {
            text.Append("Subject: a header block that never ends\r\n");
        }

        byte[] bytes = Encoding.ASCII.GetBytes(text.ToString());
        var atLimit = new ReadOnlySequence<byte>(bytes, 0, limits.MaxHeaderBytes);
        Assert.Equal(SipParseStatus.Incomplete, SipStreamFramer.TryReadMessage(ref atLimit, out _, out _, out _, limits));

        var overLimit = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(SipParseStatus.Rejected, SipStreamFramer.TryReadMessage(ref overLimit, out _, out _, out SipParseError error, limits));
        Assert.Equal(SipRejectReason.HeaderBlockTooLarge, error.Reason);
        Assert.Equal(513, error.StatusCode);
    }

    [Fact]
    public void RejectsAContentLengthOverMaxMessageBytesBeforeTheBodyArrives()
    {
        byte[] headers = Encoding.ASCII.GetBytes(HeadersWith("Content-Length: 65536\r\n"));
        var buffer = new ReadOnlySequence<byte>(headers);
        Assert.Equal(SipParseStatus.Rejected, SipStreamFramer.TryReadMessage(ref buffer, out _, out _, out SipParseError error));
        Assert.Equal(SipRejectReason.MessageTooLarge, error.Reason);
        Assert.Equal(513, error.StatusCode);
    }

    [Fact]
    public void RejectsAMessageWithoutContentLength()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(HeadersWith("")));
        Assert.Equal(SipParseStatus.Rejected, SipStreamFramer.TryReadMessage(ref buffer, out _, out _, out SipParseError error));
        Assert.Equal(SipRejectReason.MissingContentLength, error.Reason);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void RejectsTwoDifferentContentLengths()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(HeadersWith("Content-Length: 4\r\nl: 5\r\n") + "v=0\nx"));
        Assert.Equal(SipParseStatus.Rejected, SipStreamFramer.TryReadMessage(ref buffer, out _, out _, out SipParseError error));
        Assert.Equal(SipRejectReason.DuplicateHeader, error.Reason);
        Assert.Equal(SipHeaderKind.ContentLength, error.Header);
    }

    [Fact]
    public void AcceptsTheSameContentLengthTwice()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(HeadersWith("Content-Length: 4\r\nl: 4\r\n") + "v=0\n");
        FramerRun run = Frame(bytes, []);
        Assert.Equal(bytes, Assert.Single(run.Messages));
    }

    [Fact]
    public void FramesAMessageWithABadByteInAHeaderNameByItsContentLength()
    {
        byte[] bytes = Encoding.Latin1.GetBytes(HeadersWith("U\u00e8er-Agent: x\r\nContent-Length: 4\r\n") + "v=0\n");
        FramerRun run = Frame(bytes, []);
        Assert.Equal(bytes, Assert.Single(run.Messages));
    }

    [Fact]
    public void RejectsABareCrInTheHeaderBlock()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(HeadersWith("Subject: a\rb\r\nContent-Length: 0\r\n")));
        Assert.Equal(SipParseStatus.Rejected, SipStreamFramer.TryReadMessage(ref buffer, out _, out _, out SipParseError error));
        Assert.Equal(SipRejectReason.InvalidCharacter, error.Reason);
    }

    /// <summary>
    /// Splits the capture into its messages without the framer: each ends at its first empty line plus
    /// Content-Length bytes of body (none when the header is absent, as in a datagram).
    /// </summary>
    internal static List<byte[]> SplitCapture(byte[] capture, bool addMissingContentLength)
    {
        var messages = new List<byte[]>();
        int pos = 0;
        while (true)
        {
            while (pos < capture.Length && capture[pos] is (byte)'\r' or (byte)'\n')
            {
                pos++;
            }

            if (pos == capture.Length)
            {
                return messages;
            }

            int blank = capture.AsSpan(pos).IndexOf("\r\n\r\n"u8);
            Assert.True(blank >= 0, $"the capture ends inside a header block at byte {pos}");
            string headers = Encoding.Latin1.GetString(capture, pos, blank + 2);
            int? contentLength = null;
            foreach (string line in headers.Split("\r\n"))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string name = colon > 0 ? line[..colon].Trim() : "";
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("l", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = int.Parse(line[(colon + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }

            int end = pos + blank + 4 + (contentLength ?? 0);
            byte[] message = capture[pos..end];
            if (contentLength is null && addMissingContentLength)
            {
                message = [.. capture.AsSpan(pos, blank + 2), .. "Content-Length: 0\r\n\r\n"u8];
            }

            messages.Add(message);
            pos = end;
        }
    }

    /// <summary>Feeds <paramref name="stream"/> to the framer in chunks cut at <paramref name="cuts"/> (ascending).</summary>
    internal static FramerRun Frame(byte[] stream, IReadOnlyList<int> cuts, SipLimits? limits = null)
    {
        var run = new FramerRun();
        Chunk? last = null;
        ReadOnlySequence<byte> buffer = default;
        int fed = 0;
        for (int c = 0; c <= cuts.Count; c++)
        {
            int end = c < cuts.Count ? cuts[c] : stream.Length;
            if (end <= fed)
            {
                continue;
            }

            var chunk = new Chunk(stream.AsMemory(fed, end - fed), last);
            buffer = last is null
                ? new ReadOnlySequence<byte>(chunk, 0, chunk, chunk.Memory.Length)
                : new ReadOnlySequence<byte>((Chunk)buffer.Start.GetObject()!, buffer.Start.GetInteger(), chunk, chunk.Memory.Length);
            last = chunk;
            fed = end;
            if (!run.Drain(ref buffer, limits))
            {
                break;
            }
        }

        return run;
    }

    private static void AssertReadsTheCapture(FramerRun run)
    {
        List<byte[]> expected = s_streamMessages.Value;
        Assert.Equal(SipParseStatus.Incomplete, run.Final);
        Assert.Equal(0, run.Pings);
        Assert.Equal(0, run.Unread);
        Assert.Equal(expected.Count, run.Messages.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            // Read without the parser: some of the capture's messages (RFC 5626 examples) carry no Via.
            string? callId = HeaderValue(expected[i], "Call-ID", "i");
            string? cseq = HeaderValue(expected[i], "CSeq", null);
            Assert.NotNull(callId);
            Assert.NotNull(cseq);
            Assert.Equal(callId, HeaderValue(run.Messages[i], "Call-ID", "i"));
            Assert.Equal(cseq, HeaderValue(run.Messages[i], "CSeq", null));
            Assert.Equal(expected[i], run.Messages[i]);
        }
    }

    private static string? HeaderValue(byte[] message, string name, string? compact)
    {
        int blank = message.AsSpan().IndexOf("\r\n\r\n"u8);
        foreach (string line in Encoding.Latin1.GetString(message, 0, blank).Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string field = colon > 0 ? line[..colon].Trim() : "";
            if (field.Equals(name, StringComparison.OrdinalIgnoreCase) || (compact is not null && field.Equals(compact, StringComparison.OrdinalIgnoreCase)))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    private static string HeadersWith(string extra) =>
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        extra +
        "\r\n";

    /// <summary>What the framer made of a stream: its messages, pings, and how it ended.</summary>
    internal sealed class FramerRun
    {
        public List<byte[]> Messages { get; } = [];

        public int Pings { get; private set; }

        public SipParseStatus Final { get; private set; } = SipParseStatus.Incomplete;

        public SipParseError Error { get; private set; }

        public long Unread { get; private set; }

        /// <summary>Reads until the framer wants more bytes (true) or refuses the stream (false).</summary>
        public bool Drain(ref ReadOnlySequence<byte> buffer, SipLimits? limits)
        {
            while (true)
            {
                long before = buffer.Length;
                SipParseStatus status = SipStreamFramer.TryReadMessage(ref buffer, out ReadOnlySequence<byte> message, out int pings, out SipParseError error, limits);
                Assert.InRange(pings, 0, int.MaxValue);
                Assert.True(before - buffer.Length >= message.Length + (4L * pings), "the framer consumed less than it returned");
                Pings += pings;
                Unread = buffer.Length;
                Final = status;
                switch (status)
                {
                    case SipParseStatus.Complete:
                        Assert.False(message.IsEmpty);
                        Messages.Add(message.ToArray());
                        break;
                    case SipParseStatus.Incomplete:
                        return true;
                    case SipParseStatus.Rejected:
                        Error = error;
                        return false;
                    default:
                        Assert.Fail($"undefined status {status}");
                        return false;
                }
            }
        }
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, Chunk? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
