namespace SipDialogs.Dialogs;

/// <summary>Reads the session version of an SDP's origin line (RFC 4566 §5.2), which RFC 3264 §8 raises with every new offer.</summary>
internal static class SessionDescriptionVersion
{
    /// <summary>The <c>sess-version</c> of the first <c>o=</c> line, or -1 when there is none or it is not a number.</summary>
    public static long Of(ReadOnlySpan<byte> sdp)
    {
        while (!sdp.IsEmpty)
        {
            int end = sdp.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? sdp : sdp[..end];
            sdp = end < 0 ? default : sdp[(end + 1)..];
            if (line.Length < 2 || line[0] != (byte)'o' || line[1] != (byte)'=')
            {
                continue;
            }

            // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
            line = line[2..];
            for (int field = 0; field < 2; field++)
            {
                int space = line.IndexOf((byte)' ');
                if (space < 0)
                {
                    return -1;
                }

                line = line[(space + 1)..];
            }

            int stop = line.IndexOfAny((byte)' ', (byte)'\r');
            return System.Buffers.Text.Utf8Parser.TryParse(stop < 0 ? line : line[..stop], out long version, out int used) && used > 0
                ? version
                : -1;
        }

        return -1;
    }
}
