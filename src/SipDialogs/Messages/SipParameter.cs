namespace SipDialogs.Messages;

/// <summary>
/// One parameter of a header or URI: <c>name[=value]</c> (RFC 3261 §7.3.1 <c>generic-param</c>, §19.1.1
/// <c>uri-parameter</c> and <c>header</c>). Where the value comes from is described by <see cref="SipParameters"/>.
/// </summary>
/// <param name="Name">The parameter name, compared ignoring case by <see cref="SipParameters"/>.</param>
/// <param name="Value">The value, or <see langword="null"/> for a flag parameter such as <c>lr</c>.</param>
public readonly record struct SipParameter(string Name, string? Value);
