namespace OdigosUi.Profiles.Formats;

/// <summary>The encodings <see cref="ProfilePayloadReader"/> recognises.</summary>
public enum PayloadFormat
{
    OtlpProtobuf,
    OtlpJson,
    Pprof,
}
