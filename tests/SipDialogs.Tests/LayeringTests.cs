using System.Reflection;
using SipDialogs.Hosting;

namespace SipDialogs.Tests;

/// <summary>
/// The core library's namespaces are layers, and references point down only (Sdp &lt; Messages &lt; Auth &lt; Transport &lt; Dns &lt; Runtime &lt;
/// Transactions &lt; Dialogs &lt; Hosting &lt; Bridging): every type's base type, interfaces, fields, properties, events and method
/// signatures, those of its compiler-made types (lambdas, async state machines, which hold a method's locals)
/// included, may name only types of its own layer or below.
/// </summary>
public sealed class LayeringTests
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly string[] s_layers =
    [
        "SipDialogs.Sdp",
        "SipDialogs.Messages",
        "SipDialogs.Auth",
        "SipDialogs.Transport",
        "SipDialogs.Dns",
        "SipDialogs.Runtime",
        "SipDialogs.Transactions",
        "SipDialogs.Dialogs",
        "SipDialogs.Hosting",
        "SipDialogs.Bridging",
    ];

    [Fact]
    public void NoNamespaceOfTheCoreLibraryReferencesOneAboveIt()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in typeof(SipStack).Assembly.GetTypes())
        {
            int from = LayerOf(type);
            if (from < 0)
            {
                continue;
            }

            foreach (Type referenced in ReferencedTypes(type))
            {
                int to = LayerOf(referenced);
                if (to > from)
                {
                    violations.Add($"{Outermost(type).FullName} ({s_layers[from]}) -> {referenced.FullName} ({s_layers[to]})");
                }
            }
        }

        Assert.Empty(violations);
    }

    [Fact]
    public void TheLayeringTestSeesAReferenceUpward()
    {
        // A dialog's layer knows the transactions below it: the reverse would be a violation, and the test must see it.
        Type dialogLayer = typeof(SipStack).Assembly.GetType("SipDialogs.Dialogs.DialogLayer", throwOnError: true)!;
        Type transactionLayer = typeof(SipStack).Assembly.GetType("SipDialogs.Transactions.TransactionLayer", throwOnError: true)!;
        Assert.Contains(transactionLayer, ReferencedTypes(dialogLayer));
        Assert.True(LayerOf(dialogLayer) > LayerOf(transactionLayer));
    }

    /// <summary>The layer of a type of the core library, or -1 for one outside the layers (the root options, BCL types).</summary>
    private static int LayerOf(Type type)
    {
        Type outer = Outermost(type);
        if (outer.Assembly != typeof(SipStack).Assembly || outer.Namespace is not { } name)
        {
            return -1;
        }

        for (int i = s_layers.Length - 1; i >= 0; i--)
        {
            if (name == s_layers[i] || name.StartsWith(s_layers[i] + ".", StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static HashSet<Type> ReferencedTypes(Type type)
    {
        var found = new HashSet<Type>();
        Add(found, type.BaseType);
        foreach (Type contract in type.GetInterfaces())
        {
            Add(found, contract);
        }

        foreach (FieldInfo field in type.GetFields(Declared))
        {
            Add(found, field.FieldType);
        }

        foreach (PropertyInfo property in type.GetProperties(Declared))
        {
            Add(found, property.PropertyType);
        }

        foreach (EventInfo @event in type.GetEvents(Declared))
        {
            Add(found, @event.EventHandlerType);
        }

        foreach (MethodBase method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info)
            {
                Add(found, info.ReturnType);
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                Add(found, parameter.ParameterType);
            }
        }

        return found;
    }

    private static void Add(HashSet<Type> found, Type? type)
    {
        while (type is not null && (type.IsArray || type.IsByRef || type.IsPointer))
        {
            type = type.GetElementType();
        }

        if (type is null || type.IsGenericParameter || !found.Add(type) || !type.IsGenericType)
        {
            return;
        }

        foreach (Type argument in type.GetGenericArguments())
        {
            Add(found, argument);
        }
    }
}
