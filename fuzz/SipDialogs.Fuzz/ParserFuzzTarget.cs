using System.Buffers;
using System.Runtime.InteropServices;
using SipDialogs.Messages;

namespace SipDialogs.Fuzz;

/// <summary>
/// What every fuzzer input goes through: the datagram parser, the canonical form of what it accepts, and the
/// stream framer fed whole and in chunks. The parser promises never to throw on input and to refuse only with a
/// defined reason; the canonical form of an accepted message must parse again to the same message. Each broken
/// promise throws, and the fuzzer records the input as a crash.
/// </summary>
internal static class ParserFuzzTarget
{
    private static readonly SipLimits s_defaults = new();

    // Small limits as well, so that short inputs reach the size checks too.
    private static readonly SipLimits s_tight = new() { MaxMessageBytes = 1024, MaxHeaderBytes = 512, MaxHeaderCount = 8 };

    /// <summary>Runs every check on one input; throws <see cref="InvalidOperationException"/> on a finding.</summary>
    /// <param name="input">The fuzzer's bytes.</param>
    public static void Check(ReadOnlySpan<byte> input)
    {
        // The parser keeps a reference to its input: give it an array of its own.
        byte[] bytes = input.ToArray();
        CheckDatagram(bytes, s_defaults);
        CheckDatagram(bytes, s_tight);
        CheckStream(bytes, s_defaults);
        CheckStream(bytes, s_tight);
    }

    /// <summary>Runs the checks once on each file and prints every finding with its stack trace.</summary>
    /// <param name="paths">The saved inputs, e.g. the fuzzer's crashes folder.</param>
    /// <returns>0 when no input produced a finding, else 1.</returns>
    public static int Replay(ReadOnlySpan<string> paths)
    {
        int findings = 0;
        foreach (string path in paths)
        {
            byte[] input = File.ReadAllBytes(path);
            try
            {
                Check(input);
                Console.WriteLine($"ok      {path}");
            }
#pragma warning disable CA1031 // Every escaping exception is a finding to print, whatever its type.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                findings++;
                Console.WriteLine($"FINDING {path} ({input.Length} bytes): {Convert.ToHexString(input)}");
                Console.WriteLine(ex);
            }
        }

        return findings == 0 ? 0 : 1;
    }

    private static void CheckDatagram(byte[] bytes, SipLimits limits)
    {
        if (SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error, limits))
        {
            CheckAccepted(message ?? throw Finding("the datagram parser accepted input without giving a message"), limits);
            return;
        }

        CheckError(error, "datagram parser");
        if (message is not null)
        {
            // A refused request is still answered from its partly indexed headers (RFC 3261 §8.2): reading them
            // must be safe.
            Read(message);
        }
    }

    private static void CheckAccepted(SipMessage message, SipLimits limits)
    {
        Read(message);
        if (!message.TryValidate(out SipParseError invalid))
        {
            CheckError(invalid, "TryValidate");
        }

        byte[] canonical = message.ToArray();
        if (!SipMessageParser.TryParse(canonical, out SipMessage? again, out SipParseError error, limits))
        {
            if (OutgrewLimits(message, canonical, error, limits))
            {
                return;
            }

            throw Finding($"the canonical form of an accepted message does not parse: {error} ({error.Reason}); canonical form {Convert.ToHexString(canonical)}");
        }

        if (again is null
            || again.IsRequest != message.IsRequest
            || again.CallId != message.CallId
            || again.CSeqNumber != message.CSeqNumber
            || again.CSeqMethod != message.CSeqMethod
            || !again.Body.Span.SequenceEqual(message.Body.Span)
            || !again.TopViaBranch.SequenceEqual(message.TopViaBranch)
            || !again.FromTag.SequenceEqual(message.FromTag)
            || !again.ToTag.SequenceEqual(message.ToTag))
        {
            throw Finding($"the canonical form parses to a different message; canonical form {Convert.ToHexString(canonical)}");
        }

        if (!again.ToArray().AsSpan().SequenceEqual(canonical))
        {
            throw Finding($"the canonical form changes when written again; canonical form {Convert.ToHexString(canonical)}");
        }
    }

    /// <summary>
    /// The canonical form spells header names in full, adds ": " and CRLF and a Content-Length, so a message
    /// accepted close to a limit may legitimately exceed it once written out; only that refusal is allowed.
    /// </summary>
    private static bool OutgrewLimits(SipMessage message, byte[] canonical, SipParseError error, SipLimits limits)
    {
        if (error.Reason is not (SipRejectReason.HeaderBlockTooLarge or SipRejectReason.MessageTooLarge))
        {
            return false;
        }

        int headerEnd = canonical.AsSpan().IndexOf("\r\n\r\n"u8);
        return canonical.Length > limits.MaxMessageBytes
            || headerEnd < 0
            || headerEnd + 4 > limits.MaxHeaderBytes
            || message.HeaderCount + 1 > limits.MaxHeaderCount;
    }

    private static void CheckStream(byte[] bytes, SipLimits limits)
    {
        Framing whole = FrameWhole(bytes, limits);
        Framing chunked = FrameInChunks(bytes, limits);
        if (!whole.SameAs(chunked))
        {
            throw Finding($"the framer reads the stream differently in chunks: whole {whole}, in chunks {chunked}");
        }

        foreach ((int offset, int length) in whole.Messages)
        {
            var framed = new ReadOnlySequence<byte>(bytes, offset, length);
            if (SipMessageParser.TryParse(framed, out SipMessage? message, out SipParseError error, limits))
            {
                CheckAccepted(message ?? throw Finding("the stream parser accepted input without giving a message"), limits);

                // The framer and the parser must agree on where the message ends (RFC 3261 §18.3).
                if (!MemoryMarshal.TryGetArray(message.Body, out ArraySegment<byte> body) || body.Offset + body.Count != length)
                {
                    throw Finding($"the framer cut a message at {length} bytes but the parser's body ends elsewhere: {Convert.ToHexString(bytes, offset, length)}");
                }
            }
            else
            {
                CheckError(error, "stream parser");
                if (message is not null)
                {
                    Read(message);
                }
            }
        }
    }

    private static Framing FrameWhole(byte[] bytes, SipLimits limits)
    {
        var framing = new Framing();
        var buffer = new ReadOnlySequence<byte>(bytes);
        framing.Drain(ref buffer, bytes.Length, limits);
        return framing;
    }

    private static Framing FrameInChunks(byte[] bytes, SipLimits limits)
    {
        var framing = new Framing();
        SequenceChunk? last = null;
        ReadOnlySequence<byte> buffer = default;
        int fed = 0;
        while (fed < bytes.Length && framing.Final != SipParseStatus.Rejected)
        {
            // Chunk sizes follow the input, so the fuzzer explores split points too.
            int size = Math.Min(1 + (bytes[fed] & 0x3F), bytes.Length - fed);
            var chunk = new SequenceChunk(bytes.AsMemory(fed, size).ToArray(), last);
            buffer = last is null
                ? new ReadOnlySequence<byte>(chunk, 0, chunk, size)
                : new ReadOnlySequence<byte>((SequenceChunk)buffer.Start.GetObject()!, buffer.Start.GetInteger(), chunk, size);
            last = chunk;
            fed += size;
            framing.Drain(ref buffer, fed, limits);
        }

        return framing;
    }

    private static void CheckError(in SipParseError error, string who)
    {
        if (error.Reason == 0 || !Enum.IsDefined(error.Reason))
        {
            throw Finding($"the {who} refused input without a defined reason: {(int)error.Reason}");
        }

        if (error.StatusCode is not (400 or 505 or 513))
        {
            throw Finding($"the {who} refused input with status {error.StatusCode} for {error.Reason}");
        }

        if (string.IsNullOrEmpty(error.ReasonPhrase) || string.IsNullOrEmpty(error.ToString()))
        {
            throw Finding($"the {who} refused input with no reason phrase for {error.Reason}");
        }
    }

    /// <summary>Reads what a stack reads off a message: every header, the dialog and transaction keys, the body.</summary>
    private static void Read(SipMessage message)
    {
        for (int i = 0; i < message.HeaderCount; i++)
        {
            _ = message.GetHeaderName(i);
            _ = message.GetHeaderValue(i);
            _ = message.GetRawHeaderBytes(i);
        }

        _ = message.CallId;
        _ = message.TopViaBranch;
        _ = message.FromTag;
        _ = message.ToTag;
        _ = message.Body;
        _ = message.ToString();
        switch (message)
        {
            case SipRequest request:
                _ = request.RequestUriText;
                break;
            case SipResponse response:
                _ = response.ReasonPhrase;
                break;
        }
    }

    private static InvalidOperationException Finding(string what) => new("Finding: " + what);

    /// <summary>What the framer made of a stream: the messages (offset, length), pings, and how it ended.</summary>
    private sealed class Framing
    {
        public List<(int Offset, int Length)> Messages { get; } = [];

        public int Pings { get; private set; }

        public SipParseStatus Final { get; private set; } = SipParseStatus.Incomplete;

        public SipRejectReason Reason { get; private set; }

        public long Unread { get; private set; }

        /// <summary>Reads messages until the framer wants more bytes or refuses the stream.</summary>
        /// <param name="buffer">The unread bytes.</param>
        /// <param name="fed">How many bytes of the stream have arrived so far.</param>
        /// <param name="limits">The limits.</param>
        public void Drain(ref ReadOnlySequence<byte> buffer, int fed, SipLimits limits)
        {
            while (true)
            {
                long before = buffer.Length;
                SipParseStatus status = SipStreamFramer.TryReadMessage(ref buffer, out ReadOnlySequence<byte> message, out int pings, out SipParseError error, limits);
                if (pings < 0 || buffer.Length > before || before - buffer.Length < message.Length + (4L * pings))
                {
                    throw Finding($"the framer consumed {before - buffer.Length} bytes for a {message.Length}-byte message and {pings} pings");
                }

                Pings += pings;
                Unread = buffer.Length;
                Final = status;
                switch (status)
                {
                    case SipParseStatus.Complete:
                        if (message.IsEmpty || message.Length > limits.MaxMessageBytes || message.FirstSpan[0] is (byte)'\r' or (byte)'\n')
                        {
                            throw Finding($"the framer produced a {message.Length}-byte message");
                        }

                        Messages.Add(((int)(fed - buffer.Length - message.Length), (int)message.Length));
                        break;
                    case SipParseStatus.Incomplete:
                        return;
                    case SipParseStatus.Rejected:
                        CheckError(error, "stream framer");
                        Reason = error.Reason;
                        return;
                    default:
                        throw Finding($"the framer returned an undefined status {(int)status}");
                }
            }
        }

        public bool SameAs(Framing other) =>
            Pings == other.Pings && Final == other.Final && Reason == other.Reason
            && (Final == SipParseStatus.Rejected || Unread == other.Unread)
            && Messages.SequenceEqual(other.Messages);

        public override string ToString() =>
            $"{Messages.Count} messages [{string.Join(' ', Messages)}], {Pings} pings, {Final} {Reason}, {Unread} unread";
    }
}
