namespace SipDialogs.Messages;

/// <summary>Which grammar a <see cref="SipParameters"/> list follows, and so how it parses and writes.</summary>
internal enum SipParameterSyntax
{
    /// <summary>Header parameters (RFC 3261 §7.3.1 <c>generic-param</c>): LWS allowed, values kept as written.</summary>
    Header = 0,

    /// <summary>SIP URI parameters (RFC 3261 §19.1.1 <c>uri-parameter</c>): escaped on the wire, held unescaped.</summary>
    UriParameter = 1,

    /// <summary>SIP URI headers (RFC 3261 §19.1.1 <c>header</c>): <c>hname=hvalue</c> joined by '&amp;'.</summary>
    UriHeader = 2,

    /// <summary>tel URI parameters (RFC 3966 §3 <c>par</c>): names of alphanumerics and '-', values held unescaped.</summary>
    TelParameter = 3,
}
