--- qwen-lsp for Neovim: `require("qwen_lsp").setup(opts)` starts the server through
--- `vim.lsp.config`/`vim.lsp.enable` and shows its inline completions as ghost text.
local config = require('qwen_lsp.config')
local status = require('qwen_lsp.status')

local M = {}

---@type qwen_lsp.Options|nil
local options = nil
local group = vim.api.nvim_create_augroup('qwen_lsp', { clear = true })

---@return table display module for the chosen path
local function display()
  return require(
    config.display(options or config.resolve({})) == 'native' and 'qwen_lsp.native'
      or 'qwen_lsp.inline'
  )
end

local function clients()
  return vim.lsp.get_clients({ name = config.NAME })
end

--- Send settings to running servers (they merge them over what they had).
local function push_settings(settings)
  for _, client in ipairs(clients()) do
    client.settings = { qwenLsp = settings }
    client:notify('workspace/didChangeConfiguration', { settings = client.settings })
  end
end

--- Configure and start qwen-lsp. Safe to call again: the last call's options win.
---@param opts? table see `:help qwen_lsp-options`
function M.setup(opts)
  local resolved = config.resolve(opts)
  local first = options == nil
  options = resolved
  vim.lsp.config(config.NAME, config.lsp_config(resolved, { [status.METHOD] = status.handler }))
  require('qwen_lsp.keymaps').set(resolved.keymaps, display())
  vim.api.nvim_clear_autocmds({ group = group })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == config.NAME then
        display().attach(client, args.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == config.NAME then
        display().detach(args.buf)
      end
    end,
  })
  if not first then
    push_settings(resolved.settings)
  end
  display().set_enabled(resolved.enabled)
  vim.api.nvim_create_user_command('QwenLsp', function(args)
    M.command(args.fargs[1] or 'status')
  end, {
    nargs = '?',
    desc = 'qwen-lsp: enable | disable | toggle | status | logs',
    complete = function(lead)
      return vim.tbl_filter(function(name)
        return vim.startswith(name, lead)
      end, M.subcommands)
    end,
  })
  vim.lsp.enable(config.NAME)
end

--- The options in force, or nil before `setup()`.
---@return qwen_lsp.Options|nil
function M.options()
  return options
end

--- Turn completions on or off (the server stays running; its status says "off").
---@param on boolean
function M.set_enabled(on)
  if options then
    options.enabled = on
    options.settings.enable = on
    push_settings(options.settings)
  end
  display().set_enabled(on)
end

function M.is_enabled()
  return options ~= nil and options.enabled
end

--- Accept the shown suggestion whole (`'accept'`), by word or line, cycle, dismiss, or ask now.
---@param action 'accept'|'accept_word'|'accept_line'|'next'|'prev'|'dismiss'|'suggest'
function M.run(action)
  display().run(action)
end

--- For completion menus that Neovim cannot see (neither its popup menu, nvim-cmp nor
--- blink.cmp): suggestions hide while `open` is true and come back when it is false.
---@param open boolean
function M.set_menu_open(open)
  require('qwen_lsp.popup').set('user', open)
end

--- The suggestion shown in the buffer (0.11 display only), with its text and byte range.
function M.suggestion(bufnr)
  return display().current(bufnr)
end

--- For 'statusline': `%{v:lua.require'qwen_lsp'.statusline()}`.
M.statusline = status.statusline

--- A one-paragraph summary for `:QwenLsp status`.
function M.describe()
  if not options then
    return 'qwen_lsp: setup() has not been called'
  end
  local ids = vim.tbl_map(function(c)
    return tostring(c.id)
  end, clients())
  local last = status.last
  return table.concat({
    ('qwen_lsp: %s, display: %s'):format(
      options.enabled and 'enabled' or 'disabled',
      config.display(options)
    ),
    ('clients: %s'):format(#ids > 0 and table.concat(ids, ', ') or 'none'),
    ('server status: %s'):format(
      last and (last.state .. (last.message and (' — ' .. last.message) or '')) or 'unknown'
    ),
  }, '\n')
end

local commands = {
  enable = function()
    M.set_enabled(true)
  end,
  disable = function()
    M.set_enabled(false)
  end,
  toggle = function()
    M.set_enabled(not M.is_enabled())
  end,
  status = function()
    vim.notify(M.describe())
  end,
  logs = function()
    vim.cmd.tabnew(vim.fn.fnameescape(vim.lsp.get_log_path()))
  end,
}

M.subcommands = vim.tbl_keys(commands)
table.sort(M.subcommands)

--- `:QwenLsp {subcommand}`.
---@param name string
function M.command(name)
  local run = commands[name]
  if not run then
    vim.notify(
      'QwenLsp: unknown subcommand '
        .. vim.inspect(name)
        .. ' ('
        .. table.concat(M.subcommands, '|')
        .. ')',
      vim.log.levels.ERROR
    )
    return
  end
  run()
end

return M
