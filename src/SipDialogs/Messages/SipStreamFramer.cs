using System.Buffers;

namespace SipDialogs.Messages;

/// <summary>
/// Pulls whole messages out of a stream's bytes (TCP, TLS): skips CRLF keep-alives (RFC 5626 §3.5.1), finds the
/// end of the header block, and takes exactly Content-Length bytes of body (required on streams, RFC 3261 §18.3),
/// enforcing the header and message size limits before anything is buffered without bound.
/// </summary>
/// <remarks>
/// After <see cref="SipParseStatus.Rejected"/> the stream has lost its framing: the connection should be closed
/// (after answering, where the fault allows it). Each call rescans the pending header block from its start; the
/// header limit bounds that work.
/// </remarks>
public static class SipStreamFramer
{
    /// <summary>Reads the next message from <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The unread bytes. On return it starts after what was consumed: the message and any
    /// keep-alive line breaks before it. Advance the pipe reader to its start.</param>
    /// <param name="message">The message's bytes when <see cref="SipParseStatus.Complete"/>.</param>
    /// <param name="pings">How many CRLFCRLF keep-alive pings were consumed: each deserves a CRLF pong
    /// (RFC 5626 §4.4.1).</param>
    /// <param name="error">Why the stream was rejected.</param>
    /// <param name="limits">The limits to enforce; the defaults when null.</param>
    /// <returns>Complete, Incomplete (read more and call again) or Rejected.</returns>
    public static SipParseStatus TryReadMessage(
        ref ReadOnlySequence<byte> buffer,
        out ReadOnlySequence<byte> message,
        out int pings,
        out SipParseError error,
        SipLimits? limits = null)
    {
        SipFramingState state = default;
        return TryReadMessage(ref buffer, ref state, out message, out pings, out error, limits);
    }

    /// <summary>
    /// Reads the next message from <paramref name="buffer"/>, resuming what earlier calls learned of it: a peer
    /// that trickles a message in tiny segments costs one scan of its bytes, not one per segment.
    /// </summary>
    /// <param name="buffer">The unread bytes, as for the stateless overload.</param>
    /// <param name="state">The connection's framing state, kept between calls (start from default).</param>
    /// <param name="message">The message's bytes when <see cref="SipParseStatus.Complete"/>.</param>
    /// <param name="pings">How many CRLFCRLF keep-alive pings were consumed.</param>
    /// <param name="error">Why the stream was rejected.</param>
    /// <param name="limits">The limits to enforce; the defaults when null.</param>
    /// <returns>Complete, Incomplete (read more and call again) or Rejected.</returns>
    internal static SipParseStatus TryReadMessage(
        ref ReadOnlySequence<byte> buffer,
        ref SipFramingState state,
        out ReadOnlySequence<byte> message,
        out int pings,
        out SipParseError error,
        SipLimits? limits = null)
    {
        SipParseStatus status = ReadCore(ref buffer, ref state, out message, out pings, out error, limits ?? SipLimits.Default);
        if (status != SipParseStatus.Incomplete)
        {
            state.Reset();
        }

        return status;
    }

    private static SipParseStatus ReadCore(
        ref ReadOnlySequence<byte> buffer,
        ref SipFramingState state,
        out ReadOnlySequence<byte> message,
        out int pings,
        out SipParseError error,
        SipLimits limits)
    {
        message = default;
        error = default;
        pings = 0;

        var reader = new SequenceReader<byte>(buffer);
        long breaks = reader.AdvancePastAny((byte)'\r', (byte)'\n');
        if (reader.End)
        {
            // Only line breaks so far: consume the complete pings, keep a partial one for the next read.
            pings = (int)(breaks / 4);
            buffer = buffer.Slice(pings * 4L);
            return SipParseStatus.Incomplete;
        }

        pings = (int)(breaks / 4);
        if (breaks > 0)
        {
            state.Reset(); // Line breaks only ever come before a message: a new one starts here.
        }

        buffer = buffer.Slice(reader.Position);
        if (state.MessageLength > 0)
        {
            // The header block was read before; only the body was missing.
            return TakeMessage(ref buffer, state.MessageLength, out message);
        }

        reader = new SequenceReader<byte>(buffer);

        // Find the empty line that ends the header block, resuming where the last search stopped: a terminator
        // ("\n\n" or "\n\r\n") not found then starts at most 2 bytes before that point.
        long headerLength = -1;
        reader.Advance(Math.Max(0, Math.Min(state.Scanned - 3, buffer.Length)));
        while (reader.TryAdvanceTo((byte)'\n'))
        {
            if (reader.Consumed > limits.MaxHeaderBytes)
            {
                break;
            }

            if (reader.TryPeek(out byte next))
            {
                if (next == (byte)'\n')
                {
                    headerLength = reader.Consumed + 1;
                    break;
                }

                if (next == (byte)'\r' && reader.TryPeek(1, out byte after) && after == (byte)'\n')
                {
                    headerLength = reader.Consumed + 2;
                    break;
                }
            }
        }

        if (headerLength < 0 || headerLength > limits.MaxHeaderBytes)
        {
            if (buffer.Length > limits.MaxHeaderBytes)
            {
                error = new SipParseError(SipRejectReason.HeaderBlockTooLarge, Offset: limits.MaxHeaderBytes);
                return SipParseStatus.Rejected;
            }

            state.Scanned = buffer.Length;
            return SipParseStatus.Incomplete;
        }

        if (!TryFindContentLength(buffer.Slice(0, headerLength), out int contentLength, out error))
        {
            return SipParseStatus.Rejected;
        }

        long total = headerLength + contentLength;
        if (total > limits.MaxMessageBytes)
        {
            error = new SipParseError(SipRejectReason.MessageTooLarge, SipHeaderKind.ContentLength);
            return SipParseStatus.Rejected;
        }

        state.MessageLength = total;
        return TakeMessage(ref buffer, total, out message);
    }

    private static SipParseStatus TakeMessage(ref ReadOnlySequence<byte> buffer, long total, out ReadOnlySequence<byte> message)
    {
        if (buffer.Length < total)
        {
            message = default;
            return SipParseStatus.Incomplete;
        }

        message = buffer.Slice(0, total);
        buffer = buffer.Slice(total);
        return SipParseStatus.Complete;
    }

    private static bool TryFindContentLength(in ReadOnlySequence<byte> headerBlock, out int contentLength, out SipParseError error)
    {
        byte[]? rented = null;
        int length = (int)headerBlock.Length;
        Span<byte> span = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            headerBlock.CopyTo(span);
            return TryFindContentLength(span, out contentLength, out error);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryFindContentLength(ReadOnlySpan<byte> span, out int contentLength, out SipParseError error)
    {
        contentLength = -1;
        error = default;
        if (!SipMessageParser.TryReadLine(span, 0, span.Length, out _, out int pos, out error))
        {
            return false;
        }

        while (true)
        {
            if (!SipMessageParser.TryReadLine(span, pos, span.Length, out int lineEnd, out int next, out error))
            {
                return false;
            }

            if (lineEnd == pos)
            {
                break;
            }

            // A line that is no header (a bad byte in its name) cannot be Content-Length: the parser skips it too and
            // refuses the message, which stays framed by its Content-Length, so it is answered 400 on a connection
            // that stays open.
            if (!SipBytes.IsWhitespace(span[pos]) && SipMessageParser.TrySplitHeaderLine(span, pos, lineEnd, out HeaderEntry entry))
            {
                if (entry.Kind == SipHeaderKind.ContentLength)
                {
                    if (!SipMessageParser.TryParseContentLength(span.Slice(entry.ValueStart, entry.ValueLength), out int value, out SipRejectReason reason))
                    {
                        error = new SipParseError(reason, SipHeaderKind.ContentLength, entry.ValueStart);
                        return false;
                    }

                    if (contentLength >= 0 && value != contentLength)
                    {
                        // RFC 4475 mcl01: two lengths leave no way to know where the message ends.
                        error = new SipParseError(SipRejectReason.DuplicateHeader, SipHeaderKind.ContentLength, entry.NameStart);
                        return false;
                    }

                    contentLength = value;
                }
            }

            pos = next;
        }

        if (contentLength < 0)
        {
            error = new SipParseError(SipRejectReason.MissingContentLength, SipHeaderKind.ContentLength);
            return false;
        }

        return true;
    }
}
