namespace OdigosUi.Profiles;
