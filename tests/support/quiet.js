// Request logs are for operators; tests that read them set their own level.
process.env.REGISTRY_LOG_LEVEL = process.env.REGISTRY_LOG_LEVEL || 'silent';
