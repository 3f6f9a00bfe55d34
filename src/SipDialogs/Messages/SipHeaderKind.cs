namespace SipDialogs.Messages;

/// <summary>The headers the stack knows by name (full and compact forms, RFC 3261 §7.3.3). Any other header is
/// <see cref="Unknown"/> and is still indexed, kept and forwarded untouched.</summary>
public enum SipHeaderKind : byte
{
    /// <summary>A header the stack does not know by name.</summary>
    Unknown = 0,

    /// <summary><c>Via</c> (compact form <c>v</c>), RFC 3261 §20.42.</summary>
    Via = 1,

    /// <summary><c>From</c> (compact form <c>f</c>), RFC 3261 §20.20.</summary>
    From = 2,

    /// <summary><c>To</c> (compact form <c>t</c>), RFC 3261 §20.39.</summary>
    To = 3,

    /// <summary><c>Call-ID</c> (compact form <c>i</c>), RFC 3261 §20.8.</summary>
    CallId = 4,

    /// <summary><c>CSeq</c>, RFC 3261 §20.16.</summary>
    CSeq = 5,

    /// <summary><c>Max-Forwards</c>, RFC 3261 §20.22.</summary>
    MaxForwards = 6,

    /// <summary><c>Contact</c> (compact form <c>m</c>), RFC 3261 §20.10.</summary>
    Contact = 7,

    /// <summary><c>Route</c>, RFC 3261 §20.34.</summary>
    Route = 8,

    /// <summary><c>Record-Route</c>, RFC 3261 §20.30.</summary>
    RecordRoute = 9,

    /// <summary><c>Content-Length</c> (compact form <c>l</c>), RFC 3261 §20.14.</summary>
    ContentLength = 10,

    /// <summary><c>Content-Type</c> (compact form <c>c</c>), RFC 3261 §20.15.</summary>
    ContentType = 11,

    /// <summary><c>Content-Encoding</c> (compact form <c>e</c>), RFC 3261 §20.12.</summary>
    ContentEncoding = 12,

    /// <summary><c>Content-Disposition</c>, RFC 3261 §20.11.</summary>
    ContentDisposition = 13,

    /// <summary><c>Content-Language</c>, RFC 3261 §20.13.</summary>
    ContentLanguage = 14,

    /// <summary><c>Expires</c>, RFC 3261 §20.19.</summary>
    Expires = 15,

    /// <summary><c>Require</c>, RFC 3261 §20.32.</summary>
    Require = 16,

    /// <summary><c>Proxy-Require</c>, RFC 3261 §20.29.</summary>
    ProxyRequire = 17,

    /// <summary><c>Supported</c> (compact form <c>k</c>), RFC 3261 §20.37.</summary>
    Supported = 18,

    /// <summary><c>Unsupported</c>, RFC 3261 §20.40.</summary>
    Unsupported = 19,

    /// <summary><c>Allow</c>, RFC 3261 §20.5.</summary>
    Allow = 20,

    /// <summary><c>Accept</c>, RFC 3261 §20.1.</summary>
    Accept = 21,

    /// <summary><c>Accept-Encoding</c>, RFC 3261 §20.2.</summary>
    AcceptEncoding = 22,

    /// <summary><c>Accept-Language</c>, RFC 3261 §20.3.</summary>
    AcceptLanguage = 23,

    /// <summary><c>Alert-Info</c>, RFC 3261 §20.4.</summary>
    AlertInfo = 24,

    /// <summary><c>Call-Info</c>, RFC 3261 §20.9.</summary>
    CallInfo = 25,

    /// <summary><c>Date</c>, RFC 3261 §20.17.</summary>
    Date = 26,

    /// <summary><c>Error-Info</c>, RFC 3261 §20.18.</summary>
    ErrorInfo = 27,

    /// <summary><c>In-Reply-To</c>, RFC 3261 §20.21.</summary>
    InReplyTo = 28,

    /// <summary><c>MIME-Version</c>, RFC 3261 §20.24.</summary>
    MimeVersion = 29,

    /// <summary><c>Min-Expires</c>, RFC 3261 §20.23.</summary>
    MinExpires = 30,

    /// <summary><c>Organization</c>, RFC 3261 §20.25.</summary>
    Organization = 31,

    /// <summary><c>Priority</c>, RFC 3261 §20.26.</summary>
    Priority = 32,

    /// <summary><c>Reply-To</c>, RFC 3261 §20.31.</summary>
    ReplyTo = 33,

    /// <summary><c>Retry-After</c>, RFC 3261 §20.33.</summary>
    RetryAfter = 34,

    /// <summary><c>Server</c>, RFC 3261 §20.35.</summary>
    Server = 35,

    /// <summary><c>Subject</c> (compact form <c>s</c>), RFC 3261 §20.36.</summary>
    Subject = 36,

    /// <summary><c>Timestamp</c>, RFC 3261 §20.38.</summary>
    Timestamp = 37,

    /// <summary><c>User-Agent</c>, RFC 3261 §20.41.</summary>
    UserAgent = 38,

    /// <summary><c>Warning</c>, RFC 3261 §20.43.</summary>
    Warning = 39,

    /// <summary><c>WWW-Authenticate</c>, RFC 3261 §20.44.</summary>
    WwwAuthenticate = 40,

    /// <summary><c>Authorization</c>, RFC 3261 §20.7.</summary>
    Authorization = 41,

    /// <summary><c>Proxy-Authenticate</c>, RFC 3261 §20.27.</summary>
    ProxyAuthenticate = 42,

    /// <summary><c>Proxy-Authorization</c>, RFC 3261 §20.28.</summary>
    ProxyAuthorization = 43,

    /// <summary><c>Authentication-Info</c>, RFC 3261 §20.6.</summary>
    AuthenticationInfo = 44,

    /// <summary><c>Event</c> (compact form <c>o</c>), RFC 6665 §8.2.1.</summary>
    Event = 45,

    /// <summary><c>Allow-Events</c> (compact form <c>u</c>), RFC 6665 §8.2.2.</summary>
    AllowEvents = 46,

    /// <summary><c>Subscription-State</c>, RFC 6665 §8.2.3.</summary>
    SubscriptionState = 47,

    /// <summary><c>Refer-To</c> (compact form <c>r</c>), RFC 3515 §2.1.</summary>
    ReferTo = 48,

    /// <summary><c>Referred-By</c> (compact form <c>b</c>), RFC 3892 §3.</summary>
    ReferredBy = 49,

    /// <summary><c>Refer-Sub</c>, RFC 4488 §5.</summary>
    ReferSub = 50,

    /// <summary><c>Replaces</c>, RFC 3891 §6.1.</summary>
    Replaces = 51,

    /// <summary><c>RSeq</c>, RFC 3262 §7.1.</summary>
    RSeq = 52,

    /// <summary><c>RAck</c>, RFC 3262 §7.2.</summary>
    RAck = 53,

    /// <summary><c>Session-Expires</c> (compact form <c>x</c>), RFC 4028 §4.</summary>
    SessionExpires = 54,

    /// <summary><c>Min-SE</c>, RFC 4028 §5.</summary>
    MinSE = 55,

    /// <summary><c>Reason</c>, RFC 3326 §2.</summary>
    Reason = 56,

    /// <summary><c>Path</c>, RFC 3327 §4.</summary>
    Path = 57,

    /// <summary><c>Service-Route</c>, RFC 3608 §5.</summary>
    ServiceRoute = 58,

    /// <summary><c>Accept-Contact</c> (compact form <c>a</c>), RFC 3841 §9.2.</summary>
    AcceptContact = 59,

    /// <summary><c>Reject-Contact</c> (compact form <c>j</c>), RFC 3841 §9.2.</summary>
    RejectContact = 60,

    /// <summary><c>Request-Disposition</c> (compact form <c>d</c>), RFC 3841 §9.1.</summary>
    RequestDisposition = 61,

    /// <summary><c>Identity</c> (compact form <c>y</c>), RFC 8224 §4.</summary>
    Identity = 62,

    /// <summary><c>P-Asserted-Identity</c>, RFC 3325 §9.1.</summary>
    PAssertedIdentity = 63,

    /// <summary><c>P-Preferred-Identity</c>, RFC 3325 §9.2.</summary>
    PPreferredIdentity = 64,

    /// <summary><c>Privacy</c>, RFC 3323 §4.2.</summary>
    Privacy = 65,
}
