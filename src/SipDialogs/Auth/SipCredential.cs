namespace SipDialogs.Auth;

/// <summary>A user name and password a client answers Digest challenges with (RFC 3261 §22.2).</summary>
/// <param name="Username">The user name.</param>
/// <param name="Password">The password; never logged, and left out of <see cref="ToString"/>.</param>
public sealed record SipCredential(string Username, string Password)
{
    /// <summary>The user name only: the password never reaches a log through this record.</summary>
    /// <returns>E.g. <c>SipCredential { Username = alice }</c>.</returns>
    public override string ToString() => "SipCredential { Username = " + Username + " }";
}
