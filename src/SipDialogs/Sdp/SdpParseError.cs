namespace SipDialogs.Sdp;

/// <summary>Why a session description was refused: the reason and the line it concerns.</summary>
/// <param name="Reason">What was wrong.</param>
/// <param name="Line">The 1-based number of the line concerned, or 0 when the fault is not tied to one line.</param>
public readonly record struct SdpParseError(SdpRejectReason Reason, int Line = 0)
{
    /// <summary>A phrase naming the fault, e.g. "Malformed m= line", "Missing o= line".</summary>
    public string Phrase => Reason switch
    {
        SdpRejectReason.Empty => "Empty session description",
        SdpRejectReason.MissingVersion => "Missing v= line",
        SdpRejectReason.UnsupportedVersion => "Unsupported SDP version",
        SdpRejectReason.MalformedLine => "Malformed line",
        SdpRejectReason.InvalidCharacter => "Invalid character",
        SdpRejectReason.UnknownLineType => "Unknown line type",
        SdpRejectReason.MisplacedLine => "Misplaced line",
        SdpRejectReason.DuplicateLine => "Duplicate line",
        SdpRejectReason.MissingOrigin => "Missing o= line",
        SdpRejectReason.MalformedOrigin => "Malformed o= line",
        SdpRejectReason.MissingSessionName => "Missing s= line",
        SdpRejectReason.MalformedConnection => "Malformed c= line",
        SdpRejectReason.MalformedTiming => "Malformed t= line",
        SdpRejectReason.MalformedBandwidth => "Malformed b= line",
        SdpRejectReason.MalformedMedia => "Malformed m= line",
        SdpRejectReason.InvalidPort => "Invalid m= port",
        SdpRejectReason.MalformedAttribute => "Malformed a= line",
        _ => "Malformed session description",
    };

    /// <summary>The phrase with the line number: "Malformed m= line (line 6)".</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Line > 0 ? $"{Phrase} (line {Line})" : Phrase;
}
