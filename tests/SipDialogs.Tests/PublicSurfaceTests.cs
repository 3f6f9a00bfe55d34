using System.Reflection;
using SipDialogs.Hosting;
using SipDialogs.Runtime;

namespace SipDialogs.Tests;

/// <summary>
/// What the library promises its users: public only what they need, sealed unless built to be derived from, and
/// layers that point down only.
/// </summary>
public class PublicSurfaceTests
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Assembly s_library = typeof(SipStack).Assembly;

    [Fact]
    public void EveryPublicClassIsSealedUnlessItIsABaseForApplications()
    {
        // UasCore and IncomingCallUas are documented bases: an application overrides what it serves.
        Type[] openByDesign = [typeof(UasCore), typeof(IncomingCallUas)];
        var unsealed = new List<string>();
        foreach (Type type in s_library.GetExportedTypes())
        {
            if (type.IsClass && !type.IsSealed && !type.IsAbstract && Array.IndexOf(openByDesign, type) < 0)
            {
                unsealed.Add(type.FullName!);
            }
        }

        Assert.Empty(unsealed);
    }

    [Fact]
    public void NoPublicAbstractClassCanBeDerivedFromOutsideTheLibrary()
    {
        var derivable = new List<string>();
        foreach (Type type in s_library.GetExportedTypes())
        {
            if (!type.IsClass || !type.IsAbstract || type.IsSealed)
            {
                continue; // Static classes are abstract and sealed.
            }

            foreach (ConstructorInfo constructor in type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            {
                if (constructor.IsPublic || constructor.IsFamily || constructor.IsFamilyOrAssembly)
                {
                    derivable.Add(type.FullName!);
                }
            }
        }

        Assert.Empty(derivable);
    }

    [Theory]
    [InlineData("SipDialogs.Transport.InboundMessage")]
    [InlineData("SipDialogs.Transport.ISipMessageSink")]
    [InlineData("SipDialogs.Transport.ISipTransportLayer")]
    [InlineData("SipDialogs.Messages.SipFramingState")]
    [InlineData("SipDialogs.Transactions.TransactionLayer")]
    [InlineData("SipDialogs.Runtime.Shard")]
    public void PlumbingNoUserNeedsIsNotPublic(string typeName)
    {
        Type type = s_library.GetType(typeName, throwOnError: true)!;
        Assert.False(type.IsVisible, $"{typeName} is public.");
    }

    [Fact]
    public void SipStackHasNoPublicWaitMeantForTests()
    {
        Assert.Null(typeof(SipStack).GetMethod("WhenIdleAsync", BindingFlags.Public | BindingFlags.Instance));
    }

    [Fact]
    public void NoRuntimeTypeNamesATransportTypeInItsSignatures()
    {
        var found = new List<string>();
        foreach (Type type in s_library.GetTypes())
        {
            if (type.Namespace != typeof(Shard).Namespace)
            {
                continue; // Nested and compiler-made types (closures, state machines) share their outer type's namespace.
            }

            foreach ((string where, Type used) in SignatureTypes(type))
            {
                if (Mentions(used, "SipDialogs.Transport"))
                {
                    found.Add($"{type.FullName}: {where} uses {used}");
                }
            }
        }

        Assert.Empty(found);
    }

    /// <summary>Every type a type's declarations name: base, interfaces, fields, properties, events, methods.</summary>
    private static IEnumerable<(string Where, Type Used)> SignatureTypes(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return ("base type", baseType);
        }

        foreach (Type implemented in type.GetInterfaces())
        {
            yield return ("interface", implemented);
        }

        foreach (FieldInfo field in type.GetFields(Everything))
        {
            yield return (field.Name, field.FieldType);
        }

        foreach (PropertyInfo property in type.GetProperties(Everything))
        {
            yield return (property.Name, property.PropertyType);
        }

        foreach (EventInfo @event in type.GetEvents(Everything))
        {
            yield return (@event.Name, @event.EventHandlerType!);
        }

        foreach (MethodBase method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo { ReturnType: var returned })
            {
                yield return (method.Name, returned);
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                yield return ($"{method.Name}({parameter.Name})", parameter.ParameterType);
            }
        }
    }

    private static bool Mentions(Type type, string ns)
    {
        if (type.HasElementType)
        {
            return Mentions(type.GetElementType()!, ns);
        }

        if (type.IsGenericParameter)
        {
            return false;
        }

        return type.Namespace == ns || type.GetGenericArguments().Any(argument => Mentions(argument, ns));
    }
}
