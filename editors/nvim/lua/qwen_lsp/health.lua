--- `:checkhealth qwen_lsp`: Neovim, display path, executable, version, key, provider.
local config = require('qwen_lsp.config')

local M = {}
local health = vim.health
local DEFAULT_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1'

--- `QWEN_LSP_*` variables for the editor settings, so `qwen-lsp doctor` sees what the server sees.
local function settings_env(o)
  local env = vim.deepcopy(o.lsp.cmd_env or {})
  for name, value in pairs(o.settings) do
    local var = 'QWEN_LSP_' .. name:gsub('%u', '_%0'):upper()
    env[var] = type(value) == 'table' and table.concat(value, ',') or tostring(value)
  end
  return env
end

local function run(cmd, args, env)
  local ok, job =
    pcall(vim.system, vim.list_extend(vim.deepcopy(cmd), args), { text = true, env = env })
  if not ok then
    return { code = -1, stdout = '', stderr = tostring(job) }
  end
  return job:wait(20000)
end

--- Whether a TCP connection to the URL's host and port succeeds within a few seconds.
local function tcp_reachable(url)
  local scheme, host, port = url:match('^(https?)://%[?([^/%]]-)%]?:?(%d*)/')
  if not host then
    scheme, host, port = url:match('^(https?)://([^/:]+):?(%d*)$')
  end
  if not host then
    return false, 'not an http(s) URL'
  end
  port = tonumber(port) or (scheme == 'https' and 443 or 80)
  local addresses, err = vim.uv.getaddrinfo(host, tostring(port), { socktype = 'stream' })
  if not addresses or not addresses[1] then
    return false, 'cannot resolve ' .. host .. (err and (': ' .. err) or '')
  end
  local tcp = assert(vim.uv.new_tcp())
  local done, failure = false, nil
  tcp:connect(addresses[1].addr, port, function(connect_err)
    done, failure = true, connect_err
  end)
  local finished = vim.wait(5000, function()
    return done
  end, 20)
  tcp:close()
  if not finished then
    return false, 'no answer within 5 s'
  end
  return failure == nil, failure
end

local function check_key(o, env)
  local sources = {
    { 'settings.apiKey', o.settings.apiKey },
    { 'QWEN_LSP_API_KEY', env.QWEN_LSP_API_KEY or vim.env.QWEN_LSP_API_KEY },
    { 'DASHSCOPE_API_KEY', (o.lsp.cmd_env or {}).DASHSCOPE_API_KEY or vim.env.DASHSCOPE_API_KEY },
  }
  for _, source in ipairs(sources) do
    if type(source[2]) == 'string' and source[2] ~= '' then
      health.ok('API key set (from ' .. source[1] .. ')')
      return
    end
  end
  health.error('no API key', {
    'export DASHSCOPE_API_KEY (or QWEN_LSP_API_KEY) before starting Neovim',
    'or pass settings = { apiKey = ... } to setup()',
  })
end

local function check_provider(o, env)
  local doctor = run(o.cmd, { 'doctor' }, env)
  -- argparse exits 2 with "invalid choice" on a server older than the doctor subcommand.
  local missing = doctor.code == 2 and (doctor.stderr or ''):find('invalid choice', 1, true)
  if not missing then
    local report = vim.trim((doctor.stdout or '') .. '\n' .. (doctor.stderr or ''))
    if doctor.code == 0 then
      health.ok('`qwen-lsp doctor` passed' .. (report ~= '' and (':\n' .. report) or ''))
    else
      health.error('`qwen-lsp doctor` failed:\n' .. report)
    end
    return
  end
  local url = o.settings.baseUrl or env.QWEN_LSP_BASE_URL or vim.env.QWEN_LSP_BASE_URL
  url = url or DEFAULT_BASE_URL
  local ok, err = tcp_reachable(url)
  if ok then
    health.ok('provider reachable: ' .. url)
  else
    health.error(('provider not reachable: %s (%s)'):format(url, err or 'connection failed'))
  end
end

--- Whether the buffer `:checkhealth` was opened from has a client.
---@param clients vim.lsp.Client[]
local function check_buffer(clients)
  local bufnr = vim.fn.bufnr('#') -- the health report is a buffer of its own
  if bufnr < 1 or vim.bo[bufnr].buftype ~= '' then
    return
  end
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':~:.')
  for _, client in ipairs(clients) do
    if client.attached_buffers[bufnr] then
      health.ok(('%s: client %d attached'):format(name, client.id))
      return
    end
  end
  health.warn(('%s: no qwen_lsp client attached'):format(name), {
    ('its filetype (%s) may not be in `filetypes`'):format(vim.bo[bufnr].filetype),
  })
end

--- Whether the server runs for this session: started, initialised, attached to buffers.
local function check_clients()
  local clients = vim.lsp.get_clients({ name = config.NAME })
  check_buffer(clients)
  if #clients == 0 then
    health.warn('no qwen_lsp client is running', {
      'open a file of a filetype in `filetypes` (all by default)',
      'or see `:QwenLsp logs` for why the server did not start',
    })
    return
  end
  for _, client in ipairs(clients) do
    local buffers = vim.tbl_count(client.attached_buffers)
    local where = ('client %d, attached to %d buffer(s)'):format(client.id, buffers)
    if client:is_stopped() then
      health.error(where .. ': stopped', { 'see `:QwenLsp logs`' })
    elseif not client.initialized then
      health.warn(where .. ': starting, not initialised yet')
    else
      health.ok(where .. ': initialised')
    end
  end
end

function M.check()
  health.start('qwen_lsp')
  local v = vim.version()
  local version = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. version)
  else
    health.error('Neovim ' .. version .. ': qwen_lsp needs 0.11 or newer')
    return
  end
  local o = require('qwen_lsp').options()
  if not o then
    health.warn('setup() has not been called', { 'require("qwen_lsp").setup({})' })
    o = config.resolve({})
  end
  local display = config.display(o)
  health.info(
    display == 'native' and 'display: Neovim’s vim.lsp.inline_completion'
      or 'display: qwen_lsp ghost text (Neovim < 0.12 has no inline completion)'
  )
  local exe = vim.fn.exepath(o.cmd[1])
  if exe == '' then
    health.error(
      '`' .. o.cmd[1] .. '` not found',
      { 'pip install qwen-lsp, or set cmd in setup()' }
    )
    return
  end
  health.ok('executable: ' .. exe)
  local env = settings_env(o)
  local out = run(o.cmd, { '--version' }, env)
  if out.code == 0 then
    health.ok('version: ' .. vim.trim(out.stdout or ''))
  else
    health.error('`--version` failed: ' .. vim.trim((out.stderr or '') .. (out.stdout or '')))
  end
  check_key(o, env)
  check_provider(o, env)
  check_clients()
  local status = require('qwen_lsp.status').last
  if status then
    health.info(
      'server status: ' .. status.state .. (status.message and (' — ' .. status.message) or '')
    )
  end
end

return M
