namespace SipDialogs.Sdp;

/// <summary>
/// One line of a session description, <c>&lt;type&gt;=&lt;value&gt;</c> (RFC 8866 §5): <c>a=rtpmap:0 PCMU/8000</c> is
/// type <c>'a'</c> and value <c>"rtpmap:0 PCMU/8000"</c>. Descriptions keep every line as it came, in order.
/// </summary>
/// <param name="Type">The type letter, e.g. <c>'a'</c>, <c>'c'</c>, <c>'b'</c>.</param>
/// <param name="Value">What follows the <c>=</c>, without the line break.</param>
public readonly record struct SdpLine(char Type, string Value)
{
    /// <summary>An attribute line, <c>a=name</c> or <c>a=name:value</c> (RFC 8866 §5.13).</summary>
    /// <param name="name">The attribute name, e.g. <c>"ptime"</c>.</param>
    /// <param name="value">Its value, or null for a property attribute such as <c>sendonly</c>.</param>
    /// <returns>The line.</returns>
    public static SdpLine Attribute(string name, string? value = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new SdpLine('a', value is null ? name : name + ":" + value);
    }

    /// <summary>The line as written, without its line break: <c>a=sendonly</c>.</summary>
    /// <returns>The text of the line.</returns>
    public override string ToString() => Type + "=" + Value;

    /// <summary>True when this is the attribute <paramref name="name"/> (case-sensitive, RFC 8866 §5.13).</summary>
    internal bool IsAttribute(string name) =>
        Type == 'a' && Value.StartsWith(name, StringComparison.Ordinal) && (Value.Length == name.Length || Value[name.Length] == ':');

    /// <summary>The value of an attribute line after <c>name:</c>, or empty for a property attribute.</summary>
    internal ReadOnlySpan<char> AttributeValue(string name) =>
        Value.Length > name.Length ? Value.AsSpan(name.Length + 1) : [];
}
