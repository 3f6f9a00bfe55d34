using Microsoft.Extensions.Options;

namespace SipDialogs.Server;

/// <summary>
/// Runs an options type's own <c>Validate</c> when the host starts, so a bad value stops startup with the message
/// that names it.
/// </summary>
/// <typeparam name="TOptions">The options.</typeparam>
/// <param name="validate">Throws <see cref="InvalidOperationException"/> naming the bad value.</param>
internal sealed class OptionsValidation<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException exception)
        {
            return ValidateOptionsResult.Fail(exception.Message);
        }
    }
}
