using SipDialogs.Messages;

namespace SipDialogs.Benchmarks;

/// <summary>The typical INVITE the benchmarks read (Data/invite.sip): its bytes and the request parsed from them.</summary>
internal static class CapturedInvite
{
    /// <summary>Reads and parses the INVITE; throws when it does not parse, which would make every figure meaningless.</summary>
    /// <param name="bytes">The INVITE as captured.</param>
    /// <returns>The request.</returns>
    public static SipRequest Load(out byte[] bytes)
    {
        bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "invite.sip"));
        if (!SipMessageParser.TryParse(bytes, out SipMessage? message, out SipParseError error))
        {
            throw new InvalidOperationException($"The benchmark INVITE does not parse: {error}");
        }

        return (SipRequest)message!;
    }
}
