export const publisherPrefix = "mag";
